import {
  CancelJobResponse,
  CancelPhotoResponse,
  type CreateJobRequest,
  CreateJobResponse,
  DuplicateSizesResponse,
  ErrorBody,
  FinalizeManyResponse,
  type FinalizeRequest,
  FinalizeResponse,
  type HoldRequest,
  HoldResponse,
  JobView,
  type ProgressRequest,
  RetryResponse,
  SignPartsResponse,
  type UploadItem,
} from "@rapidphoto/protocol";
import { ApiError, NetworkError } from "./errors.js";

/** The upload commands of DESIGN §4 the engine uses. An interface, so tests and other hosts can supply their own. */
export interface UploadApi {
  createJob(body: CreateJobRequest, signal: AbortSignal): Promise<CreateJobResponse>;
  signParts(photoId: string, partNumbers: number[], signal: AbortSignal): Promise<SignPartsResponse>;
  finalize(photoId: string, body: FinalizeRequest, signal: AbortSignal): Promise<FinalizeResponse>;
  /**
   * Several single-PUT photos finalized in one request (POST /commands/upload/finalize): one result
   * per photo, a status or its refusal. Optional: without it every photo is finalized on its own.
   */
  finalizeMany?(photoIds: string[], signal: AbortSignal): Promise<FinalizeManyResponse>;
  reportProgress(body: ProgressRequest, signal: AbortSignal): Promise<void>;
  /** Renews the sender lease of photos this client holds but is not sending now (POST /commands/upload/hold). */
  holdPhotos(body: HoldRequest, signal: AbortSignal): Promise<void>;
  cancelPhoto(photoId: string, signal: AbortSignal): Promise<void>;
  cancelJob(jobId: string, signal: AbortSignal): Promise<void>;
  /**
   * A fresh item for a photo still waiting for bytes (QUEUED/UPLOADING): a new PUT URL, or for
   * multipart the parts storage already holds. Used to re-sign an expired PUT URL and to re-plan
   * on resume. (POST /commands/upload/{photoId}/sign — not in DESIGN §4's list, but served.)
   */
  sign(photoId: string, signal: AbortSignal): Promise<UploadItem>;
  /** FAILED/CANCELLED → QUEUED with a fresh item; for multipart, the parts already stored. */
  retryPhoto(photoId: string, signal: AbortSignal): Promise<UploadItem>;
  getJob(jobId: string, signal: AbortSignal): Promise<JobView>;
  /**
   * Which of `bytes` (distinct file sizes, at most MAX_FILES_PER_JOB) a photo of the caller's that
   * job creation answers duplicates with has (POST /queries/duplicate-sizes). Optional: without it,
   * or when it fails, every file is hashed (see hash-pipeline.ts).
   */
  duplicateSizes?(bytes: number[], signal: AbortSignal): Promise<number[]>;
}

/** The part of a zod schema this client uses; keeps zod out of this package's direct dependencies. */
export type ResponseSchema<T> = {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: unknown } };
};

export type ApiClientOptions = {
  /** Origin (and optional path prefix) of the API, e.g. "https://photos.example.com". */
  baseUrl: string;
  /** Defaults to the global fetch, looked up per call. */
  fetch?: typeof fetch;
  /** The bearer token, read before every call so a refreshed token is picked up. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
};

export type JsonRequest<T> = {
  /** Serialised as JSON. */
  body?: unknown;
  /** Validates the success body, so a contract drift fails loudly here; null: the body is not read. */
  schema: ResponseSchema<T> | null;
  signal?: AbortSignal;
  /** This call's bearer token instead of `getToken`'s. */
  token?: string | null;
};

/** One JSON request to the API: the browser's only HTTP client besides the storage transport. */
export type JsonClient = <T>(method: "GET" | "POST", path: string, request: JsonRequest<T>) => Promise<T>;

/**
 * Resolves with the validated body; rejects with an `ApiError` for any non-2xx answer or a body that
 * breaks the contract, a `NetworkError` when there is no answer, and the signal's own reason on abort
 * (so callers such as TanStack Query can tell cancellation apart).
 */
export function createJsonClient(options: ApiClientOptions): JsonClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (method, path, { body, schema, signal, token }) => {
    const headers: Record<string, string> = { accept: "application/json" };
    const bearer = token === undefined ? await options.getToken?.() : token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new NetworkError(`Could not reach the server (${method} ${path}).`, { cause: error });
    }
    const text = await res.text().catch((error: unknown) => {
      if (signal?.aborted) throw signal.reason;
      throw new NetworkError("The server's answer was cut off.", { cause: error });
    });
    if (!res.ok) throw toApiError(res, text);
    if (!schema) return undefined as never;
    const parsed = schema.safeParse(text === "" ? undefined : safeJson(text));
    if (!parsed.success) {
      throw new ApiError(res.status, "BAD_RESPONSE", `Unexpected answer from ${method} ${path}.`, parsed.error.issues);
    }
    return parsed.data;
  };
}

export function createApiClient(options: ApiClientOptions): UploadApi {
  const call = createJsonClient(options);
  const post = <T>(path: string, body: unknown, schema: ResponseSchema<T> | null, signal: AbortSignal) =>
    call("POST", path, { body, schema, signal });
  const photo = (photoId: string) => `/commands/upload/${encodeURIComponent(photoId)}`;
  return {
    createJob: (body, signal) => post("/commands/upload-jobs", body, CreateJobResponse, signal),
    signParts: (photoId, partNumbers, signal) =>
      post(`${photo(photoId)}/parts`, { partNumbers }, SignPartsResponse, signal),
    finalize: (photoId, body, signal) => post(`${photo(photoId)}/finalize`, body, FinalizeResponse, signal),
    finalizeMany: (photoIds, signal) => post("/commands/upload/finalize", { photoIds }, FinalizeManyResponse, signal),
    reportProgress: (body, signal) => post<void>("/commands/upload/progress", body, null, signal),
    holdPhotos: async (body, signal) => {
      await post("/commands/upload/hold", body, HoldResponse, signal);
    },
    cancelPhoto: async (photoId, signal) => {
      await post(`${photo(photoId)}/cancel`, {}, CancelPhotoResponse, signal);
    },
    cancelJob: async (jobId, signal) => {
      await post(`/commands/upload-jobs/${encodeURIComponent(jobId)}/cancel`, {}, CancelJobResponse, signal);
    },
    sign: (photoId, signal) => post(`${photo(photoId)}/sign`, {}, RetryResponse, signal),
    retryPhoto: (photoId, signal) => post(`${photo(photoId)}/retry`, {}, RetryResponse, signal),
    getJob: (jobId, signal) =>
      call("GET", `/queries/upload-jobs/${encodeURIComponent(jobId)}`, { schema: JobView, signal }),
    duplicateSizes: async (bytes, signal) =>
      (await post("/queries/duplicate-sizes", { bytes }, DuplicateSizesResponse, signal)).bytes,
  };
}

function toApiError(res: Response, text: string): ApiError {
  const body = ErrorBody.safeParse(safeJson(text));
  const retryAfter = res.headers.get("retry-after");
  if (body.success) return new ApiError(res.status, body.data.code, body.data.message, body.data.details, retryAfter);
  // A proxy or load balancer error page, not our API: keep the status, which is what retry decides on.
  return new ApiError(
    res.status,
    `HTTP_${res.status}`,
    `The server answered HTTP ${res.status}.`,
    undefined,
    retryAfter,
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
