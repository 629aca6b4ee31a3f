import {
  type DuplicateFile,
  isAwaitingBytes,
  NEW_JOB_SEQ,
  type PhotoStatus,
  type UploadItem,
} from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import { type FailureReason, SERVER_FAILURE, toFailureReason, UploadStoppedError } from "./errors.js";
import { type FileRecord, type PhotoReport, releaseSource } from "./file-record.js";
import { type RunFile, type RunnerDeps, type RunOutcome, runFile } from "./file-runner.js";
import type { HashPipeline } from "./hash-pipeline.js";
import { type JobRegistrar, tooManyFiles } from "./job-registrar.js";
import { mergePhotoReport, newJob } from "./merge.js";
import type { ProgressReporter } from "./progress-reporter.js";
import type { RetryContext } from "./retry.js";
import { registerJob } from "./server-calls.js";
import type { FileState, StoreWriter } from "./store.js";
import type { TaskQueue } from "./task-queue.js";
import type { TransferMeter } from "./transfer-meter.js";

/**
 * A file's way through the engine: registered with the server, queued, run, finished. The
 * engine's public methods (engine.ts) only flip flags and abort; everything that follows from a
 * run ending — status, a server verdict that came meanwhile, releasing the source, queueing again
 * after a quick resume — happens here, and so does merging a push into one file.
 */

export type EngineParts = {
  records: Map<string, FileRecord>;
  byPhoto: Map<string, string>;
  writer: StoreWriter;
  queue: TaskQueue;
  deps: RunnerDeps & { api: UploadApi };
  reporter: ProgressReporter | null;
  meter: TransferMeter;
  idle: IdleTracker;
  /** Hashes files before they are registered; null when the engine was given no hasher. */
  hashing: HashPipeline | null;
  /** Registers added files as jobs, a job at a time as the queue drains. */
  jobs: JobRegistrar;
  /** Aborted by destroy. */
  life: AbortSignal;
};

export function retryContext(parts: EngineParts, signal: AbortSignal): RetryContext {
  return {
    policy: parts.deps.retry,
    signal,
    network: parts.deps.network,
    random: parts.deps.random,
    clock: parts.deps.clock,
  };
}

/** The file's state (the store's, pending writes included): the record holds only handles. */
function fileOf(parts: EngineParts, r: FileRecord): FileState | undefined {
  return parts.writer.file(r.id);
}

/** Waiting or sending (not done, failed or cancelled): the files pause and cancel-all act on. */
export function isAwaitingBytesFile(parts: EngineParts, r: FileRecord): boolean {
  const status = fileOf(parts, r)?.status;
  return status !== undefined && isAwaitingBytes(status);
}

/** Puts a file in the queue if it can run: registered, holding its bytes, not paused, stopped or running. */
export function enqueue(parts: EngineParts, r: FileRecord): void {
  const file = fileOf(parts, r);
  if (!file || file.paused || !isAwaitingBytes(file.status) || !r.upload || !r.source || r.controller) return;
  parts.queue.add(r.id, file.priority);
  queueChanged(parts);
}

/** A queued progress report for the file would only be stale now. */
export function forgetProgress(parts: EngineParts, r: FileRecord): void {
  const file = fileOf(parts, r);
  if (file?.jobId && file.photoId) parts.reporter?.forget(file.jobId, file.photoId);
}

export function queueChanged(parts: EngineParts): void {
  parts.writer.setRootLazy(() => ({ queue: parts.queue.waitingIds() }));
  parts.hashing?.queueChanged(); // fewer files waiting to be sent: maybe time for the next job
  parts.jobs.pump(); // the queue may have run low: the next job of a large selection is due
}

export function fail(parts: EngineParts, r: FileRecord, reason: FailureReason): void {
  parts.writer.patchFile(r.id, { status: "FAILED", error: reason });
  forgetProgress(parts, r);
}

/** The queue's start callback. */
export function startFile(parts: EngineParts, id: string): void {
  const r = parts.records.get(id);
  const file = r && fileOf(parts, r);
  if (!r?.upload || !r.source || !file || file.paused || file.status === "CANCELLED") {
    parts.queue.done(id);
    return;
  }
  const controller = new AbortController();
  r.controller = controller;
  parts.writer.patchFile(id, { status: "UPLOADING", retries: 0 });
  parts.meter.wake();
  r.settled = run(parts, r, controller.signal);
  queueChanged(parts);
}

async function run(parts: EngineParts, r: FileRecord, signal: AbortSignal): Promise<void> {
  const upload = r.upload!;
  try {
    finish(parts, r, await runFile(parts.deps, upload, signal));
  } catch (error) {
    r.progress.takeBackAll();
    upload.needsReplan = true; // whatever stopped this run, the next one asks storage what it holds
    // A stop on purpose (pause, cancel, destroy, a cancel from elsewhere) was already recorded by whoever stopped it.
    if (!(signal.aborted && signal.reason instanceof UploadStoppedError)) fail(parts, r, toFailureReason(error));
  } finally {
    r.controller = null;
    r.finalizing = false;
    const deferred = r.deferred;
    r.deferred = null;
    if (deferred) applyPhotoReport(parts, r, deferred); // after our own outcome: the merge only moves forward
    releaseIfDone(parts, r);
    parts.queue.done(r.id);
    enqueue(parts, r); // resumed while this run was still stopping
    parts.hashing?.queueChanged(); // stored (or stopped): a copy held for it may go now
    parts.idle.check();
  }
}

function finish(parts: EngineParts, r: FileRecord, outcome: RunOutcome): void {
  forgetProgress(parts, r);
  if (outcome.kind === "FAILED") {
    fail(parts, r, { code: SERVER_FAILURE, message: outcome.message });
    return;
  }
  if (outcome.kind !== "CANCELLED") {
    parts.writer.patchFile(r.id, { bytesSent: r.progress.total, partsDone: r.upload?.item.multipart?.partCount ?? 1 });
  }
  parts.writer.patchFile(r.id, { status: outcome.kind, paused: false });
}

/** Statuses after which the file is never sent again: its source can go. */
const DONE: ReadonlySet<PhotoStatus> = new Set(["COMPLETED", "CANCELLED"]);

/**
 * Drops the file once it is done and no run holds it: its source (DESIGN §8) and its record. A done
 * file is never sent, paused, retried or moved again, and no push can change a final status, so the
 * store's row is all that is left of it (a record kept its byte counter, the counter's callback and
 * the last run's promise: ~350 bytes a file, 1,000 files a batch). PROCESSING and FAILED keep both:
 * the server may still fail the photo, and a retry then sends the same file again.
 */
function releaseIfDone(parts: EngineParts, r: FileRecord): void {
  const status = parts.writer.file(r.id)?.status;
  if (!r.controller && status && DONE.has(status)) retire(parts, r);
}

/** Forgets a done file (COMPLETED or CANCELLED): its source, its record and its photo id. */
export function retire(parts: EngineParts, r: FileRecord): void {
  releaseSource(r);
  if (parts.records.get(r.id) === r) parts.records.delete(r.id);
  const photoId = parts.writer.file(r.id)?.photoId;
  if (photoId && parts.byPhoto.get(photoId) === r.id) parts.byPhoto.delete(photoId);
}

/** Merges a report into one file: statuses only move forward; a cancel from elsewhere stops the file. */
export function applyPhotoReport(parts: EngineParts, r: FileRecord, report: PhotoReport): void {
  const file = fileOf(parts, r);
  if (!file) return;
  const patch = mergePhotoReport(file, report);
  if (!patch) return;
  if (patch.status === "FAILED" && r.controller) {
    // While a run is on, its own requests decide failure, and its answer (finalize's 202) may come
    // after the worker has already failed the photo: the verdict waits for the run to end.
    if (!r.deferred || report.seq >= r.deferred.seq) r.deferred = report;
    return;
  }
  parts.writer.patchFile(r.id, patch);
  if (patch.status === "CANCELLED") {
    parts.queue.remove(r.id);
    r.controller?.abort(new UploadStoppedError("server"));
    void Promise.resolve(r.settled).then(() => retire(parts, r));
    queueChanged(parts);
  } else if (patch.status === "FAILED") {
    parts.queue.remove(r.id); // failed while waiting (e.g. expired): it runs again only when retried
    forgetProgress(parts, r);
    queueChanged(parts);
  } else if (patch.status === "COMPLETED") {
    releaseIfDone(parts, r);
  }
}

/**
 * Registers a chunk of files as one job and queues them. Returns the photo ids of files cancelled
 * meanwhile; throws only a TOO_MANY_FILES refusal (the job-registrar splits the chunk).
 */
export async function registerChunk(parts: EngineParts, chunk: FileRecord[]): Promise<string[]> {
  const cancelled: string[] = [];
  const isCancelled = (r: FileRecord) => fileOf(parts, r)?.status === "CANCELLED";
  try {
    const files = chunk.flatMap((r) => {
      const file = fileOf(parts, r);
      return file ? [{ id: r.id, name: file.name, type: file.type, size: file.bytesTotal, sha256: file.sha256 }] : [];
    });
    const { jobId, items, duplicates } = await registerJob(parts.deps.api, files, retryContext(parts, parts.life));
    if (jobId && !parts.writer.job(jobId)) parts.writer.setJob(newJob(jobId, items.size, NEW_JOB_SEQ));
    for (const r of chunk) {
      const duplicate = duplicates.get(r.id);
      if (duplicate) {
        markDuplicate(parts, r, duplicate);
        continue;
      }
      const item = items.get(r.id);
      if (item && isCancelled(r)) {
        // Cancelled while registering: the photo exists now, so the server must hear about it.
        if (parts.records.has(r.id)) parts.byPhoto.set(item.photoId, r.id);
        parts.writer.patchFile(r.id, { jobId, photoId: item.photoId, method: item.method });
        cancelled.push(item.photoId);
        continue;
      }
      if (!item || !r.source || !jobId) {
        fail(parts, r, { code: "BAD_RESPONSE", message: "The server did not register this file." });
        continue;
      }
      planUpload(parts, r, jobId, item);
    }
  } catch (error) {
    // Refused for holding more files than the server's limit: the registrar splits and asks again.
    const limit = tooManyFiles(error);
    if (limit !== null && limit < chunk.length) throw error;
    if (!parts.life.aborted) for (const r of chunk) if (!isCancelled(r)) fail(parts, r, toFailureReason(error));
  }
  return cancelled;
}

/**
 * The server already holds these bytes for this user: nothing is sent, the file is done. Not a
 * photo of ours (photoId stays null), so pushes about the existing photo never reach this file.
 */
function markDuplicate(parts: EngineParts, r: FileRecord, d: DuplicateFile): void {
  const duplicateOf = { photoId: d.photoId, status: d.status, inTrash: d.inTrash };
  // A cancel that came while registering stays a cancel: the user said they did not want the file.
  if (fileOf(parts, r)?.status !== "CANCELLED") parts.writer.patchFile(r.id, { status: "COMPLETED", duplicateOf });
  retire(parts, r);
}

/**
 * Gives a registered file its plan (what the runner sends) and records its ids in the store.
 * `needsReplan`: the item is not fresh (a file picked again after a reload), so the runner asks
 * the server what storage holds before sending.
 */
export function planUpload(
  parts: EngineParts,
  r: FileRecord,
  jobId: string,
  item: UploadItem,
  needsReplan = false,
): void {
  if (!r.source) return;
  parts.byPhoto.set(item.photoId, r.id);
  const upload: RunFile = {
    id: r.id,
    photoId: item.photoId,
    jobId,
    source: r.source,
    item,
    parts: new Map((item.multipart?.uploadedParts ?? []).map((p) => [p.partNumber, p.etag])),
    progress: r.progress,
    needsReplan,
    serverFailed: false,
    onPartDone: (stored) => parts.writer.patchFile(r.id, { partsDone: stored.size, storedParts: [...stored.keys()] }),
    onRetry: () => parts.writer.patchFile(r.id, { retries: (fileOf(parts, r)?.retries ?? 0) + 1 }),
    onFinalizing: () => {
      r.finalizing = true;
      // Every byte is stored: the next file may send while this one waits for the server's answer.
      parts.queue.release(r.id);
    },
    onReplanned: () => parts.writer.patchFile(r.id, layoutOf(upload.item, upload.parts)),
  };
  r.upload = upload;
  // A stale item says nothing about the layout: the store keeps what it knew until the re-plan.
  const layout = needsReplan ? {} : layoutOf(item, upload.parts);
  parts.writer.patchFile(r.id, { jobId, photoId: item.photoId, method: item.method, ...layout });
  enqueue(parts, r);
}

function layoutOf(item: UploadItem, stored: ReadonlyMap<number, string>): Partial<FileState> {
  return {
    partCount: item.multipart?.partCount ?? 1,
    uploadId: item.multipart?.uploadId ?? null,
    storedParts: [...stored.keys()],
    partsDone: stored.size,
  };
}

/** "Nothing will happen without the user": no registration, nothing waiting or running. */
export class IdleTracker {
  registrations = 0;
  #waiters: (() => void)[] = [];

  constructor(private readonly queue: Pick<TaskQueue, "activeCount" | "finishingCount" | "waitingCount">) {}

  get idle(): boolean {
    const { activeCount, finishingCount, waitingCount } = this.queue;
    return this.registrations === 0 && activeCount === 0 && finishingCount === 0 && waitingCount === 0;
  }

  wait(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  check(): void {
    if (this.idle) this.release();
  }

  release(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
