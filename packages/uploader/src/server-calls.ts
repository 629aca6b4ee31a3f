import type { DuplicateFile, NewFile, UploadItem } from "@rapidphoto/protocol";
import pLimit from "p-limit";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";
import { type RetryContext, withRetry } from "./retry.js";

/** Engine calls to the JSON API that are not about one file's bytes: registering and cancelling. */

/** Items and duplicates keyed by our client id; `jobId` is null when every file was a duplicate. */
type Registration = { jobId: string | null; items: Map<string, UploadItem>; duplicates: Map<string, DuplicateFile> };

/** Creates one job for `files`; items come back keyed by our client id. */
export async function registerJob(
  api: Pick<UploadApi, "createJob">,
  files: readonly { id: string; name: string; type: string; size: number; sha256?: string | null }[],
  retry: RetryContext,
): Promise<Registration> {
  const body = {
    // Types were checked against NewFile when the files were added (validateSource).
    files: files.map((f) => ({
      filename: f.name,
      mimeType: f.type as NewFile["mimeType"],
      bytes: f.size,
      clientId: f.id,
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
    })),
  };
  const res = await withRetry(() => api.createJob(body, retry.signal), retry);
  const items = new Map<string, UploadItem>();
  for (const item of res.items) if (item.clientId) items.set(item.clientId, item);
  const duplicates = new Map<string, DuplicateFile>();
  for (const d of res.duplicates) if (d.clientId) duplicates.set(d.clientId, d);
  if (res.jobId === null && items.size > 0)
    throw new ApiError(502, "BAD_RESPONSE", "The server created no job for these files.");
  return { jobId: res.jobId, items, duplicates };
}

/**
 * Which cancel calls to make. Cancel-all sends one call per job, unless the job has photos in
 * processing that this cancel leaves alone (a job cancel would stop those too); otherwise one per photo.
 */
export function planCancelCalls(
  files: readonly { jobId: string | null; photoId: string | null }[],
  wholeJobs: boolean,
  jobHasProcessing: (jobId: string) => boolean,
): { jobs: string[]; photos: string[] } {
  const byJob = new Map<string, string[]>();
  for (const f of files) {
    if (!f.jobId || !f.photoId) continue;
    byJob.set(f.jobId, [...(byJob.get(f.jobId) ?? []), f.photoId]);
  }
  const work = { jobs: [] as string[], photos: [] as string[] };
  for (const [jobId, photos] of byJob) {
    if (wholeJobs && !jobHasProcessing(jobId)) work.jobs.push(jobId);
    else work.photos.push(...photos);
  }
  return work;
}

/**
 * Tells the server files were cancelled, so it aborts their multipart uploads in storage.
 * Whole jobs go in one call each; single photos in parallel, a few at a time. A photo that has
 * already finished (409) needs nothing; other failures go to `onError` — the files are cancelled
 * here either way, and the server sweeps abandoned uploads.
 */
export async function tellServerCancelled(
  api: Pick<UploadApi, "cancelJob" | "cancelPhoto">,
  work: { jobs: string[]; photos: string[] },
  retry: RetryContext,
  onError: (error: unknown) => void,
): Promise<void> {
  const calls = [
    ...work.jobs.map((jobId) => () => api.cancelJob(jobId, retry.signal)),
    ...work.photos.map((photoId) => () => api.cancelPhoto(photoId, retry.signal)),
  ];
  const limit = pLimit(CANCEL_CONCURRENCY);
  await Promise.all(
    calls.map((call) =>
      limit(async () => {
        if (retry.signal.aborted) return;
        try {
          await withRetry(call, retry);
        } catch (error) {
          if (retry.signal.aborted) return;
          if (!(error instanceof ApiError && error.status === 409)) onError(error);
        }
      }),
    ),
  );
}

/**
 * Cancels a photo or a whole job that no file here stands for (another tab sends it): the server
 * alone is told. Retried as the engine's own calls are (a 5xx such as a lost database race, 429, no
 * answer; Retry-After honoured; offline waits for the network); a final answer (404, 409) or the
 * last try's failure rejects, for the caller to show.
 */
export function cancelOnServer(
  api: Pick<UploadApi, "cancelJob" | "cancelPhoto">,
  target: { photoId: string } | { jobId: string },
  retry: RetryContext,
): Promise<void> {
  const call = () =>
    "jobId" in target ? api.cancelJob(target.jobId, retry.signal) : api.cancelPhoto(target.photoId, retry.signal);
  return withRetry(call, retry);
}

/** Cancel calls at once: tiny requests, but a browser has ~6 connections and uploads may still be closing. */
const CANCEL_CONCURRENCY = 4;
