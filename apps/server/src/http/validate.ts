import type { z } from "zod";
import { AppError } from "./app-error.js";
import { validationBody } from "./error-handler.js";

/** Parses a request part with a protocol schema; a failure is a 400 with per-field details. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const body = validationBody(result.error);
    throw new AppError("VALIDATION_FAILED", body.message, body.details);
  }
  return result.data;
}
