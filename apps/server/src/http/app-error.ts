import { ERROR_CODES, type ErrorCode } from "@rapidphoto/protocol";

/** The one error type services throw; status and default message come from the code table. */
export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CODES[code].message, options);
    this.name = "AppError";
    this.statusCode = ERROR_CODES[code].status;
  }
}
