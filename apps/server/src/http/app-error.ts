import { ERROR_CODES, type ErrorCode } from "@rapidphoto/protocol";
import type { StorageError } from "../storage/storage.js";

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

/** A storage failure as the API reports it: UNAVAILABLE is a retryable 503, the rest keep S3's codes. */
export function storageAppError(error: StorageError): AppError {
  const code = error.code === "UNAVAILABLE" ? "STORAGE_UNAVAILABLE" : error.code;
  return new AppError(code, code === "STORAGE_UNAVAILABLE" ? undefined : error.message, undefined, { cause: error });
}
