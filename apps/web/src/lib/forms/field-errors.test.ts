import { Credentials } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { fieldErrorsFromDetails, fieldErrorsFromIssues } from "./field-errors";

const FIELDS = ["email", "password"] as const;

describe("field errors", () => {
  it("keeps the first zod message per field", () => {
    const result = Credentials.safeParse({ email: "nope", password: "short" });
    if (result.success) throw new Error("expected invalid credentials");

    expect(fieldErrorsFromIssues(result.error.issues, FIELDS)).toEqual({
      email: "Enter a valid email address.",
      password: "Use at least 8 characters.",
    });
  });

  it("reads the server's 400 details and ignores anything else", () => {
    const details = { fieldErrors: { email: ["Taken?"], password: [], other: ["x"] } };
    expect(fieldErrorsFromDetails(details, FIELDS)).toEqual({ email: "Taken?" });
    expect(fieldErrorsFromDetails(undefined, FIELDS)).toEqual({});
    expect(fieldErrorsFromDetails({ fieldErrors: "bad" }, FIELDS)).toEqual({});
  });
});
