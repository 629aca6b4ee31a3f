import type { JobView, PushMessage } from "@rapidphoto/protocol";
import type { AddSlicePolicy, TaskScheduler } from "./add-slices.js";
import type { UploadApi } from "./api-client.js";
import type { Clock } from "./clock.js";
import type { Hasher } from "./content-hash.js";
import type { ReattachOptions, ReattachResult } from "./file-restore.js";
import type { NetworkMonitor } from "./network.js";
import type { PersistedFile } from "./persisted-state.js";
import type { RetryPolicy } from "./retry.js";
import type { FrameScheduler } from "./scheduler.js";
import type { UploadSource } from "./source.js";
import type { StallPolicy } from "./stall-policy.js";
import type { JobState, UploadStore } from "./store.js";
import type { QueueLimits } from "./task-queue.js";
import type { UploadTransport } from "./transport.js";

/** The engine's public face: what `createUploader` takes and returns (implementation in engine.ts). */

export type UploaderOptions = {
  api: UploadApi;
  transport: UploadTransport;
  store?: UploadStore;
  /** How store writes are batched; defaults to animation frames (browser) or setImmediate (Node). */
  scheduler?: FrameScheduler;
  network?: NetworkMonitor;
  limits?: Partial<QueueLimits>;
  retry?: Partial<RetryPolicy>;
  /** When a request without progress is aborted and retried, and when its file gives up (stall-policy.ts). */
  stall?: Partial<StallPolicy>;
  /** Backoff and stall detection run on it; the system clock by default (tests pass a manual one). */
  clock?: Clock;
  signBatch?: number;
  /** Files per job; a server with a lower limit says so when refusing a larger job, and the engine follows. */
  maxFilesPerJob?: number;
  /** The next job of a large selection is created when fewer registered files than this wait (DEFAULT_REGISTER_AHEAD). */
  registerAhead?: number;
  /** At most one server progress report per this often; 0 turns them off. */
  progressReportMs?: number;
  /** How often the server hears that files waiting here are still held (sender lease); 0 turns it off. */
  holdIntervalMs?: number;
  /** Rewrites signed URLs before use (a dev proxy; tests put a fault-injecting proxy here). */
  rewriteUrl?: (url: string) => string;
  /** Register and send files as soon as they are added (default). Otherwise wait for `start()`. */
  autoStart?: boolean;
  /** Best-effort work that failed (progress reports, cancel notices); uploads are not affected. */
  onError?: (error: unknown, context: { action: "progress" | "cancel" | "hold" }) => void;
  random?: () => number;
  /**
   * Hashes each file (sha256) before its job is created, so files already in the user's library are
   * not sent (content-hash dedupe). Without one, files are registered unhashed at once.
   */
  hasher?: Hasher;
  /** Files hashed at once (default 1: strictly in send order, the first file hashed soonest). */
  hashConcurrency?: number;
  /**
   * Hash only files that could be duplicates: ask the server (`api.duplicateSizes`) which sizes its
   * photos have, and register files of other sizes unhashed (hash-pipeline.ts). On by default when the
   * api can ask; false hashes every file. A photo sent unhashed is hashed by the server itself when a
   * file of its size is sent again while it still processes (the server's hash-stored-photos.ts), so
   * duplicates are answered as when every file is hashed (perf log section 26).
   */
  hashOnlyPossibleDuplicates?: boolean;
  /** How a selection is added in slices (add-slices.ts; defaults in constants.ts). */
  addSlices?: Partial<AddSlicePolicy>;
  /** Runs the later slices of a selection (default: defaultTaskScheduler; tests run them by hand). */
  taskScheduler?: TaskScheduler;
};

export interface Uploader {
  readonly store: UploadStore;
  /**
   * Queues files as one batch (`FileState.batchId`); returns their ids (the store's keys). An invalid
   * file is added as FAILED with the reason. Files are registered with the server a job at a time.
   * A large selection reaches the store in slices: the first files at once, the rest in later tasks
   * (`UploadState.adding` counts them meanwhile); pause-all, resume-all and cancel-all apply to them
   * too (cancelled ones are never added).
   */
  add(sources: readonly UploadSource[], options?: { priority?: number }): string[];
  /**
   * Records every file still being added now, in this task, and flushes the store: before the page
   * goes away, so what persistence saves holds the whole selection. With `register: false` nothing
   * is registered with the server from then on (not these files, not any other) until `start()`:
   * the page is going, and a job whose answer never arrives leaves photos the next page cannot match
   * to the files it saved.
   */
  finishAdding(options?: { register?: boolean }): void;
  /**
   * Files saved by an earlier page (see StatePersistence), back in the store without their bytes
   * (`needsFile`): shown, followed on the server, sent once picked again. Returns the ids added.
   */
  restore(files: readonly PersistedFile[]): string[];
  /**
   * Files picked again: each source that matches a file waiting for its bytes (name, size,
   * modification time; content hash where known) goes on from what storage holds. The rest come
   * back as `unmatched`, for the caller to add as new uploads.
   */
  reattach(sources: readonly UploadSource[], options?: ReattachOptions): Promise<ReattachResult>;
  start(): void;
  /** Stops new requests and aborts those in flight; stored parts are kept. */
  pause(fileId?: string): void;
  /** Queues paused files again; each asks storage what it holds and sends only the rest. */
  resume(fileId?: string): void;
  /** Aborts, then tells the server (which aborts the multipart upload). Resolves once it has been told. */
  cancel(fileId?: string): Promise<void>;
  /**
   * Cancels a photo or a whole job this engine has no file for (sent by another tab or device): the
   * server aborts its upload. Transient failures (5xx, 429, no answer) are retried with the engine's
   * retry policy and clock, Retry-After honoured; a final answer (404, 409) rejects at once, the last
   * try's failure once the tries are spent.
   */
  cancelOnServer(target: { photoId: string } | { jobId: string }): Promise<void>;
  /**
   * Failed files again, reusing the parts storage already holds. A photo the server failed (not an
   * image, expired) is turned back to QUEUED on the server and the same file is sent again for it.
   */
  retry(fileId?: string): void;
  clearCompleted(): void;
  setPriority(fileId: string, priority: number): void;
  /** Moves a waiting file to `index` of the waiting order (`store.queue`). */
  move(fileId: string, index: number): void;
  setLimits(limits: Partial<QueueLimits>): void;
  /** Merges a push (`/topic/job/…`): statuses only move forward; a cancel from elsewhere stops the file. */
  applyServerMessage(message: PushMessage): void;
  /**
   * Merges a fetched job view (after a gap in the pushes or a reconnect) the same way, at the view's
   * `seq`. Pushes and views of jobs this engine did not register are ignored.
   */
  applyJobView(view: JobView): void;
  /**
   * A job this engine registered as it stands now, writes not yet in the store included (they reach
   * it once a frame): its counts and the `seq` of the last push or view merged. Undefined for any
   * other job.
   */
  job(jobId: string): JobState | undefined;
  /**
   * Settles once the job creates running now are answered and their jobs recorded (`job` knows
   * them; a refused create's files failed); undefined while none runs. A job's first push can beat
   * its create answer: until then it cannot be told from another tab's job.
   */
  jobsBeingCreated(): Promise<void> | undefined;
  /** Resolves when nothing is registering, waiting or running (paused and failed files wait for the user). */
  whenIdle(): Promise<void>;
  /** Stops everything without telling the server (page unload, tests). */
  destroy(): void;
}
