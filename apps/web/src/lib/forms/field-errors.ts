/** One message per field, the form's view of both zod issues and the server's 400 details. */
export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;

interface Issue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
}

/** The first zod issue per top-level field (zod reports the most basic problem first). */
export function fieldErrorsFromIssues<Field extends string>(
  issues: ReadonlyArray<Issue>,
  fields: ReadonlyArray<Field>,
): FieldErrors<Field> {
  const errors: FieldErrors<Field> = {};
  for (const issue of issues) {
    const field = fields.find((name) => name === issue.path[0]);
    if (field !== undefined && errors[field] === undefined) errors[field] = issue.message;
  }
  return errors;
}

/** Reads `details.fieldErrors` of a 400 answer (`{ fieldErrors: { email?: string[] } }`, DESIGN §4). */
export function fieldErrorsFromDetails<Field extends string>(
  details: unknown,
  fields: ReadonlyArray<Field>,
): FieldErrors<Field> {
  const errors: FieldErrors<Field> = {};
  if (typeof details !== "object" || details === null) return errors;
  const fieldErrors = (details as { fieldErrors?: unknown }).fieldErrors;
  if (typeof fieldErrors !== "object" || fieldErrors === null) return errors;

  for (const field of fields) {
    const messages = (fieldErrors as Record<string, unknown>)[field];
    if (Array.isArray(messages) && typeof messages[0] === "string") errors[field] = messages[0];
  }
  return errors;
}
