import { isApiError } from "@/lib/api/client";
import { type FieldErrors, fieldErrorsFromDetails } from "@/lib/forms/field-errors";

export const AUTH_FIELDS = ["email", "password"] as const;
export type AuthField = (typeof AUTH_FIELDS)[number];

export interface AuthFormErrors {
  fields: FieldErrors<AuthField>;
  /** Shown above the form when no single field is at fault (wrong password, rate limit, offline). */
  form?: string;
}

/** How a failed sign-in or registration shows up in the form. */
export function describeAuthError(error: Error): AuthFormErrors {
  if (!isApiError(error)) return { fields: {}, form: "Something went wrong. Try again." };

  if (error.status === 400) {
    const fields = fieldErrorsFromDetails(error.details, AUTH_FIELDS);
    if (Object.keys(fields).length > 0) return { fields };
  }
  // The email is what is wrong here, so say it under the email field.
  if (error.code === "EMAIL_TAKEN") return { fields: { email: error.message } };
  return { fields: {}, form: error.message };
}
