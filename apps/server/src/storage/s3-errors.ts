import { StorageError, type StorageErrorCode } from "./storage.js";

/**
 * S3 error names (the SDK sets `name` to the XML `<Code>`, modeled or not) and what they mean to
 * the port. HeadObject has no body, so a missing key there arrives as plain `NotFound`.
 */
const S3_TO_STORAGE = new Map<string, StorageErrorCode>([
  ["NoSuchUpload", "NO_SUCH_UPLOAD"],
  ["InvalidPart", "INVALID_PART"],
  ["EntityTooSmall", "ENTITY_TOO_SMALL"],
  ["InvalidPartOrder", "INVALID_PART_ORDER"],
  ["NoSuchKey", "NO_SUCH_KEY"],
  ["NotFound", "NO_SUCH_KEY"],
]);

/** S3 saying "not now": throttling and its own failures. */
const S3_BUSY = new Set(["SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "TimeoutError"]);
/** No answer at all: the store is down or unreachable. */
const NETWORK_FAILURES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** The StorageError an S3 error stands for, or the error itself when it has no port meaning. */
export function fromS3Error(err: unknown): unknown {
  const name = (err as { name?: unknown } | null)?.name;
  const code = typeof name === "string" ? S3_TO_STORAGE.get(name) : undefined;
  if (code) return new StorageError(code, (err as Error).message || String(name), { cause: err });
  if (isUnavailable(err))
    return new StorageError("UNAVAILABLE", "S3 storage is not reachable right now.", { cause: err });
  return err;
}

/** After the SDK's own retries: S3 unreachable, throttling or failing (5xx). A cancelled request is not. */
function isUnavailable(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || e.name === "AbortError") return false;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (typeof e.name === "string" && S3_BUSY.has(e.name)) return true;
  return typeof e.code === "string" && NETWORK_FAILURES.has(e.code);
}

export function isS3Error(err: unknown, ...names: string[]): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" && names.includes(name);
}
