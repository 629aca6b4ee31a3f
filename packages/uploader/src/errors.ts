/**
 * Every failure the engine deals with is one of these, so retry decisions and the reason shown to
 * a user come from the error's type and fields, never from parsing messages.
 */

export class UploaderError extends Error {
  override name = "UploaderError";
  constructor(
    /** Stable code for the UI and logs (API codes such as UPLOAD_INCOMPLETE pass through). */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The JSON API answered with an error body `{code, message, details?}` (DESIGN §4). */
export class ApiError extends UploaderError {
  override name = "ApiError";
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details?: unknown,
    /** Raw Retry-After header, when the server sent one (429, 503). */
    readonly retryAfter: string | null = null,
  ) {
    super(code, message);
  }
}

/** Storage answered a PUT with a status other than 2xx. */
export class StorageHttpError extends UploaderError {
  override name = "StorageHttpError";
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfter: string | null = null,
  ) {
    super(`HTTP_${status}`, storageMessage(status));
  }

  /** Disk storage says SIGNATURE_EXPIRED; S3 says "Request has expired". */
  get urlExpired(): boolean {
    return this.status === 403 && /expired/i.test(this.body);
  }
}

/** No HTTP answer at all: connection refused or reset, DNS, offline, CORS. */
export class NetworkError extends UploaderError {
  override name = "NetworkError";
  constructor(message = "The connection failed.", options?: { cause?: unknown }) {
    super("NETWORK", message, options);
  }
}

/**
 * No upload progress for the stall window; the request was aborted so it can be retried. `final`
 * once the request has stalled `stallsInARow` times without getting any further (stall-policy.ts):
 * then it is not retried and the file fails with this reason.
 */
export class StallError extends UploaderError {
  override name = "StallError";
  constructor(
    readonly timeoutMs: number,
    /** 0 while retrying; the number of fruitless stalls in a row when the request gives up. */
    readonly stallsInARow = 0,
  ) {
    super(
      "STALLED",
      stallsInARow > 0
        ? `No data could be sent: ${stallsInARow} tries in a row stalled without progress (the last for ${seconds(timeoutMs)} s).`
        : `No data was sent for ${seconds(timeoutMs)} s.`,
    );
  }

  get final(): boolean {
    return this.stallsInARow > 0;
  }
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** Why a file's work was stopped on purpose; used as an AbortSignal reason, never shown as a failure. */
export type StopKind = "pause" | "cancel" | "destroy" | "server";

export class UploadStoppedError extends UploaderError {
  override name = "UploadStoppedError";
  constructor(readonly kind: StopKind) {
    super("STOPPED", `Upload stopped (${kind}).`);
  }
}

/** The reason kept with a failed file for the UI. */
export type FailureReason = { code: string; message: string };

/** The code of a file the server failed (processing, expiry), as opposed to one whose requests failed. */
export const SERVER_FAILURE = "SERVER";

export function toFailureReason(error: unknown): FailureReason {
  if (error instanceof UploaderError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: "UNEXPECTED", message: error.message };
  return { code: "UNEXPECTED", message: String(error) };
}

function storageMessage(status: number): string {
  if (status === 403) return "Storage refused the upload URL.";
  if (status === 408 || status === 429 || status >= 500) return `Storage is unavailable (HTTP ${status}).`;
  return `Storage rejected the upload (HTTP ${status}).`;
}
