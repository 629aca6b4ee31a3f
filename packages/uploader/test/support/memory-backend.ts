import {
  type CreateJobRequest,
  type JobView,
  partCountFor,
  partsSignedWithItem,
  planPartSize,
  SINGLE_PUT_MAX_BYTES,
  type UploadItem,
} from "@rapidphoto/protocol";
import {
  ApiError,
  createUploader,
  NetworkError,
  type UploadApi,
  type Uploader,
  type UploaderOptions,
  type UploadTransport,
} from "../../src/index.js";
import type { PutRequest, PutResponse } from "../../src/transport.js";

/**
 * An in-memory stand-in for the API and storage, for engine logic that needs no sockets
 * (ordering, offline, pushes, registration). The real server is what the integration tests use.
 */

type Photo = {
  photoId: string;
  jobId: string;
  clientId: string | null;
  filename: string;
  bytes: number;
  status: "QUEUED" | "UPLOADING" | "PROCESSING" | "CANCELLED" | "FAILED";
  uploadId: string | null;
  parts: Map<number, number>;
};

/**
 * What a PUT does; default: store it. `hold` lets a test keep a request open until it says so;
 * before holding, `progress` bytes (half the body by default) are reported sent, none if `silent`.
 */
export type PutHook = (info: {
  photoId: string;
  partNumber: number;
  attempt: number;
}) => { status?: number; hold?: Promise<void>; silent?: boolean; progress?: number } | undefined;

export function memoryBackend() {
  const photos = new Map<string, Photo>();
  const calls: { name: string; args: unknown }[] = [];
  const puts: { photoId: string; partNumber: number; ok: boolean }[] = [];
  /** The photo ids of each finalize-many request, in order. */
  const finalizeBatches: string[][] = [];
  const attempts = new Map<string, number>();
  /** Photos already in the library by sha256: files declaring one of these hashes are answered as duplicates. */
  const library = new Map<string, { photoId: string; inTrash: boolean }>();
  let counter = 0;
  const id = (prefix: string) => `${prefix}_${String(++counter).padStart(10, "0")}`;
  const hooks = {
    put: (() => undefined) as PutHook,
    createJob: null as Promise<void> | null,
    /** Holds finalize requests (after their checks) until it settles. */
    finalize: null as Promise<void> | null,
    reportProgress: null as ((body: unknown) => void) | null,
  };
  const log = (name: string, args: unknown) => calls.push({ name, args });
  const find = (photoId: string) => {
    const p = photos.get(photoId);
    if (!p) throw new ApiError(404, "PHOTO_NOT_FOUND", "Photo not found.");
    return p;
  };
  /** Finalize's checks and status change (logged as one finalize), before any hold. */
  const finalizeOne = (photoId: string) => {
    log("finalize", { photoId });
    const p = find(photoId);
    const stored = [...p.parts.values()].reduce((a, b) => a + b, 0);
    if (stored !== p.bytes) throw new ApiError(409, "UPLOAD_INCOMPLETE", "Missing bytes.");
    p.status = "PROCESSING";
    return { photoId, status: "PROCESSING" as const };
  };
  const item = (p: Photo): UploadItem => {
    if (p.uploadId === null) {
      return { photoId: p.photoId, clientId: p.clientId, method: "PUT", url: `mem://${p.photoId}/1`, headers: {} };
    }
    const partSize = planPartSize(p.bytes);
    const partCount = partCountFor(p.bytes, partSize);
    const uploadedParts = [...p.parts.keys()].map((n) => ({ partNumber: n, etag: `"${n}"` }));
    // As the server does: the first parts still to send come signed with the item.
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const signedParts = partsSignedWithItem(partCount, new Set(p.parts.keys())).map((n) => ({
      partNumber: n,
      url: `mem://${p.photoId}/${n}`,
      expiresAt,
    }));
    return {
      photoId: p.photoId,
      clientId: p.clientId,
      method: "MULTIPART",
      multipart: { uploadId: p.uploadId, partSize, partCount, uploadedParts, signedParts },
    };
  };

  const api: UploadApi = {
    async createJob(body: CreateJobRequest) {
      log("createJob", body);
      if (hooks.createJob) await hooks.createJob;
      const duplicates = body.files.flatMap((f, index) => {
        const known = f.sha256 ? library.get(f.sha256) : undefined;
        return known ? [{ index, clientId: f.clientId ?? null, status: "COMPLETED" as const, ...known }] : [];
      });
      const fresh = body.files.filter((f) => !(f.sha256 && library.has(f.sha256)));
      if (fresh.length === 0) return { jobId: null, items: [], duplicates };
      const jobId = id("job");
      const items = fresh.map((f) => {
        const p: Photo = {
          photoId: id("ph"),
          jobId,
          clientId: f.clientId ?? null,
          filename: f.filename,
          bytes: f.bytes,
          status: "QUEUED",
          uploadId: f.bytes > SINGLE_PUT_MAX_BYTES ? id("up") : null,
          parts: new Map(),
        };
        photos.set(p.photoId, p);
        return item(p);
      });
      return { jobId, items, duplicates };
    },
    async signParts(photoId, partNumbers) {
      log("signParts", { photoId, partNumbers });
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      return { urls: partNumbers.map((n) => ({ partNumber: n, url: `mem://${photoId}/${n}`, expiresAt })) };
    },
    async sign(photoId) {
      log("sign", { photoId });
      return item(find(photoId));
    },
    async finalize(photoId) {
      const answer = finalizeOne(photoId);
      if (hooks.finalize) await hooks.finalize;
      return answer;
    },
    /** As the server does: each photo as its own finalize, in one request (logged per photo too). */
    async finalizeMany(photoIds) {
      finalizeBatches.push([...photoIds]);
      const results = photoIds.map((photoId) => {
        try {
          return finalizeOne(photoId);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          return { photoId, error: { status: error.status, code: error.code, message: error.message } };
        }
      });
      if (hooks.finalize) await hooks.finalize;
      return { results };
    },
    async holdPhotos(body) {
      log("holdPhotos", body);
    },
    async reportProgress(body) {
      log("reportProgress", body);
      hooks.reportProgress?.(body);
    },
    async cancelPhoto(photoId) {
      log("cancelPhoto", { photoId });
      find(photoId).status = "CANCELLED";
    },
    async cancelJob(jobId) {
      log("cancelJob", { jobId });
      for (const p of photos.values()) if (p.jobId === jobId && p.status !== "PROCESSING") p.status = "CANCELLED";
    },
    async retryPhoto(photoId) {
      log("retryPhoto", { photoId });
      const p = find(photoId);
      p.status = "QUEUED";
      return item(p);
    },
    async getJob(jobId) {
      log("getJob", { jobId });
      const rows = [...photos.values()].filter((p) => p.jobId === jobId);
      return { jobId, photos: rows.map((p) => ({ photoId: p.photoId, status: p.status })) } as unknown as JobView;
    },
  };

  const transport: UploadTransport = {
    async put(request: PutRequest): Promise<PutResponse> {
      const [, photoId = "", part = "1"] = /^mem:\/\/([^/]+)\/(\d+)$/.exec(request.url) ?? [];
      const partNumber = Number(part);
      const key = `${photoId}/${partNumber}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const size = request.body instanceof Uint8Array ? request.body.byteLength : request.body.size;
      const hook = hooks.put({ photoId, partNumber, attempt }) ?? {};
      if (request.signal.aborted) throw request.signal.reason;
      if (!hook.silent) request.onProgress(hook.progress ?? Math.floor(size / 2));
      if (hook.hold) {
        await new Promise<void>((resolve, reject) => {
          request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
          hook.hold!.then(resolve, reject);
        });
      }
      if (request.signal.aborted) throw request.signal.reason;
      const status = hook.status ?? 200;
      if (status === 0) {
        puts.push({ photoId, partNumber, ok: false });
        throw new NetworkError("injected");
      }
      if (status === 200) {
        request.onProgress(size);
        photos.get(photoId)?.parts.set(partNumber, size);
      }
      puts.push({ photoId, partNumber, ok: status === 200 });
      return { status, etag: status === 200 ? `"${partNumber}"` : null, retryAfter: null, body: "" };
    },
  };

  return { api, transport, photos, calls, puts, hooks, library, finalizeBatches };
}

/** A promise with its resolve function, for holding requests open. */
export function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** An engine on `backend` that retries at once and sends no progress reports, unless `options` say otherwise. */
export function uploaderOn(
  backend: ReturnType<typeof memoryBackend>,
  options: Partial<UploaderOptions> = {},
): Uploader {
  return createUploader({
    api: backend.api,
    transport: backend.transport,
    retry: { baseDelayMs: 1, maxDelayMs: 2, attempts: 3 },
    progressReportMs: 0,
    ...options,
  });
}
