import type { UploadBody } from "./source.js";

/**
 * One PUT of bytes to a signed URL. Two implementations: `createXhrTransport` (browser: XHR has
 * upload progress, fetch does not) and `createNodeTransport` (`@rapidphoto/uploader/node`).
 * Retries, stall detection and byte accounting live above this, so a transport stays small.
 */
export interface UploadTransport {
  /**
   * Resolves with any HTTP answer, 2xx or not. Rejects with `NetworkError` when no answer came,
   * and with `signal.reason` when aborted.
   */
  put(request: PutRequest): Promise<PutResponse>;
}

export type PutRequest = {
  url: string;
  headers: Record<string, string>;
  body: UploadBody;
  signal: AbortSignal;
  /** Body bytes sent so far; called often, must be cheap. */
  onProgress: (loadedBytes: number) => void;
};

export type PutResponse = {
  status: number;
  /** Quoted as storage sent it; null when absent (or hidden by CORS: the bucket must expose ETag). */
  etag: string | null;
  retryAfter: string | null;
  /** Start of the response body, for error details (S3's XML, disk storage's JSON). */
  body: string;
};
