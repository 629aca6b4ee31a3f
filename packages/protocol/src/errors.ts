import { z } from "zod";

/** Every error body the API sends (DESIGN §4). */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The one table of error codes: HTTP status and the message a person reads. */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: "The request is not valid." },
  BAD_JSON: { status: 400, message: "The request body is not valid JSON." },
  /** details: {maxFiles}: the server's limit (MAX_FILES_PER_JOB), so a client can split by it. */
  TOO_MANY_FILES: { status: 400, message: "Too many files for one upload job." },
  INVALID_CREDENTIALS: { status: 401, message: "Email or password is incorrect." },
  UNAUTHENTICATED: { status: 401, message: "Sign in to continue." },
  TOKEN_EXPIRED: { status: 401, message: "Your session has expired. Sign in again." },
  FORBIDDEN: { status: 403, message: "You cannot do that." },
  NOT_FOUND: { status: 404, message: "Not found." },
  ROUTE_NOT_FOUND: { status: 404, message: "There is no such endpoint." },
  JOB_NOT_FOUND: { status: 404, message: "Upload job not found." },
  PHOTO_NOT_FOUND: { status: 404, message: "Photo not found." },
  EMAIL_TAKEN: { status: 409, message: "An account with this email already exists." },
  ILLEGAL_TRANSITION: { status: 409, message: "The photo cannot move to that status now." },
  UPLOAD_INCOMPLETE: { status: 409, message: "The uploaded object is missing or incomplete." },
  NOT_TRASHABLE: {
    status: 409,
    message: "Only photos that finished uploading (or failed) can go to Trash; cancel an upload in progress instead.",
  },
  NOT_IN_TRASH: { status: 409, message: "Only photos in Trash can be deleted forever." },
  PHOTO_IN_TRASH: { status: 409, message: "The photo is in Trash; restore it first." },
  PHOTO_BEING_DELETED: { status: 409, message: "The photo is being deleted and can no longer be restored." },
  METHOD_MISMATCH: { status: 409, message: "This photo is uploaded with a different method." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send JSON with Content-Type: application/json." },
  RATE_LIMITED: { status: 429, message: "Too many requests. Try again shortly." },
  SIGNATURE_INVALID: { status: 403, message: "The signed URL is not valid." },
  SIGNATURE_EXPIRED: { status: 403, message: "The signed URL has expired." },
  // Signed storage URLs (the embedded disk store answers with the codes S3 uses).
  NO_SUCH_KEY: { status: 404, message: "There is no such object." },
  NO_SUCH_UPLOAD: { status: 404, message: "There is no such multipart upload." },
  INVALID_PART: { status: 400, message: "A part is missing or its ETag does not match." },
  ENTITY_TOO_SMALL: { status: 400, message: "A part other than the last is smaller than 5 MiB." },
  INVALID_PART_ORDER: { status: 400, message: "Parts must be listed in ascending order." },
  INVALID_KEY: { status: 400, message: "That is not a valid object key." },
  SERVICE_UNAVAILABLE: { status: 503, message: "The service is not available right now." },
  STORAGE_UNAVAILABLE: { status: 503, message: "Photo storage is not available right now. Try again shortly." },
  // Retryable: the connection to the database was lost; the server reconnects on its own.
  DATABASE_UNAVAILABLE: { status: 503, message: "The database is not reachable right now. Try again shortly." },
  // Retryable: PostgreSQL chose this request's transaction to give way in a deadlock (40P01) or a
  // serialization failure (40001); it was rolled back whole, and the same request again goes through.
  DATABASE_CONFLICT: { status: 503, message: "The server was busy with a conflicting change. Try again shortly." },
  INTERNAL: { status: 500, message: "Something went wrong on our side." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
