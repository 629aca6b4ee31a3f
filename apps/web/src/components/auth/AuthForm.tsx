"use client";

import { Credentials, LoginRequest, PASSWORD_MIN_LENGTH } from "@rapidphoto/protocol";
import { CircleAlert } from "lucide-react";
import Link from "next/link";
import { type FormEvent, useRef, useState } from "react";
import { buttonClass } from "@/components/ui/button-styles";
import { Spinner } from "@/components/ui/Spinner";
import { TextField } from "@/components/ui/TextField";
import { type AuthMode, useAuthenticate } from "@/hooks/use-authenticate";
import { fieldErrorsFromIssues } from "@/lib/forms/field-errors";
import { AUTH_FIELDS, type AuthField, type AuthFormErrors, describeAuthError } from "./describe-auth-error";

const COPY = {
  login: {
    submit: "Sign in",
    pending: "Signing in…",
    passwordAutoComplete: "current-password",
    switchText: "New to RapidPhoto?",
    switchLink: { href: "/register", label: "Create an account" },
  },
  register: {
    submit: "Create account",
    pending: "Creating account…",
    passwordAutoComplete: "new-password",
    switchText: "Already have an account?",
    switchLink: { href: "/login", label: "Sign in" },
  },
} as const;

/**
 * Email + password form for both sign-in and registration. It validates with the same zod schema
 * the server uses, so a malformed email or short password is caught here without a request; what
 * only the server knows (wrong password, taken email) comes back as field or form errors.
 */
export function AuthForm({ mode }: { mode: AuthMode }) {
  const copy = COPY[mode];
  const schema = mode === "register" ? Credentials : LoginRequest;
  const authenticate = useAuthenticate(mode);

  const [values, setValues] = useState<Record<AuthField, string>>({ email: "", password: "" });
  // Errors appear once a field was left with something in it, or after a submit attempt: never while typing a first time.
  const [touched, setTouched] = useState<Partial<Record<AuthField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<AuthFormErrors>({ fields: {} });
  const inputs = { email: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };

  const parsed = schema.safeParse(values);
  const clientErrors = parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, AUTH_FIELDS);
  const errorFor = (field: AuthField) =>
    serverErrors.fields[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);

  function change(field: AuthField, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    // A server verdict was about the old value; drop it as soon as the person edits.
    setServerErrors((current) => ({ fields: { ...current.fields, [field]: undefined } }));
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (!parsed.success) {
      const firstInvalid = AUTH_FIELDS.find((field) => clientErrors[field]);
      if (firstInvalid) inputs[firstInvalid].current?.focus();
      return;
    }
    setServerErrors({ fields: {} });
    authenticate.mutate(parsed.data, {
      onError(error) {
        const described = describeAuthError(error);
        setServerErrors(described);
        // Put the caret where the fix goes: the field at fault, or the password after a failed sign-in.
        const target = AUTH_FIELDS.find((field) => described.fields[field]) ?? "password";
        inputs[target].current?.select();
      },
    });
  }

  const pending = authenticate.isPending || authenticate.isSuccess;
  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-5">
      {serverErrors.form && (
        <div
          role="alert"
          className="flex items-start gap-2 rounded-lg border border-danger/40 bg-danger-soft px-3 py-2.5 text-danger text-sm"
        >
          <CircleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
          <span>{serverErrors.form}</span>
        </div>
      )}

      <TextField
        id="email"
        ref={inputs.email}
        label="Email"
        type="email"
        autoComplete="email"
        inputMode="email"
        spellCheck={false}
        placeholder="you@example.com"
        value={values.email}
        onChange={(event) => change("email", event.target.value)}
        onBlur={(event) => event.target.value && setTouched((current) => ({ ...current, email: true }))}
        error={errorFor("email")}
      />
      <TextField
        id="password"
        ref={inputs.password}
        label="Password"
        type="password"
        autoComplete={copy.passwordAutoComplete}
        value={values.password}
        onChange={(event) => change("password", event.target.value)}
        onBlur={(event) => event.target.value && setTouched((current) => ({ ...current, password: true }))}
        hint={mode === "register" ? `At least ${PASSWORD_MIN_LENGTH} characters.` : undefined}
        error={errorFor("password")}
      />

      <button type="submit" disabled={pending} className={buttonClass("primary", "mt-1 h-11 w-full")}>
        {pending && <Spinner className="size-4" />}
        {pending ? copy.pending : copy.submit}
      </button>

      <p className="text-center text-muted text-sm">
        {copy.switchText}{" "}
        <Link href={copy.switchLink.href} className="font-medium text-accent hover:underline">
          {copy.switchLink.label}
        </Link>
      </p>
    </form>
  );
}
