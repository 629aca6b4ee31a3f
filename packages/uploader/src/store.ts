import { type JobSnapshot, movesForward, type PhotoStatus, type UploadMethod } from "@rapidphoto/protocol";
import { createStore, type StoreApi } from "zustand/vanilla";
import type { AddingState } from "./add-slices.js";
import type { FailureReason } from "./errors.js";
import { FilesDeltaLog } from "./files-delta.js";
import type { FrameScheduler } from "./scheduler.js";

/** One file as the UI sees it. Holds no File, Blob or buffer: those stay in the engine and are dropped when done. */
export type FileState = {
  /** Client id (also sent as `clientId`), stable from `add` on. */
  id: string;
  name: string;
  type: string;
  bytesTotal: number;
  /** Bytes stored or on their way, exact; falls only when a failed request's bytes are taken back. */
  bytesSent: number;
  status: PhotoStatus;
  /** Paused by the user (or pause-all); the status stays what it was. */
  paused: boolean;
  priority: number;
  jobId: string | null;
  photoId: string | null;
  method: UploadMethod | null;
  partCount: number;
  partsDone: number;
  /** Failed tries in the current run, for "retrying…" hints. */
  retries: number;
  error: FailureReason | null;
  /** Files added in one `add` call share it: one batch to the user, however many jobs carry it. */
  batchId: string;
  /** Pushes with `seq` at or below this are older than the user's last retry and are ignored. */
  seqFloor: number;
  addedAt: number;
  /** The file's SHA-256 (64 lowercase hex), once hashed; sent with job creation. Null without a hasher; with the fingerprint, confirms a file picked again is the same one. */
  sha256: string | null;
  /**
   * The server found these bytes already in the caller's library: nothing is sent and the file is
   * done (status COMPLETED, jobId and photoId null). Counted apart from uploads (Totals.duplicateCount).
   */
  duplicateOf: DuplicateOf | null;
  /** The file's modification time (ms) as the browser gave it; 0 when unknown. Part of its fingerprint. */
  lastModified: number;
  /** The multipart upload in storage, once the server started one. */
  uploadId: string | null;
  /** Part numbers storage holds (multipart), as far as this engine knows. */
  storedParts: readonly number[];
  /**
   * Restored from an earlier page (reload, crash, closed tab) without its bytes: nothing is sent
   * until the file is picked again (`reattach`).
   */
  needsFile: boolean;
  /**
   * The same bytes as a file this page is still sending (same hash): held back until that one is
   * stored, then answered as its duplicate, so the bytes go up once (hash-pipeline.ts). Not saved.
   */
  awaitingOriginal: boolean;
};

/** "Already in your library as ph_…": the photo holding the same bytes, and whether it is in Trash. */
export type DuplicateOf = { photoId: string; status: PhotoStatus; inTrash: boolean };

/**
 * A job this engine registered, as its pushes tell it (foldJob): status and counts from the newest
 * job message, `seq` the highest seen in any message of the job.
 */
export type JobState = JobSnapshot & { jobId: string };

export type UploadState = {
  files: Record<string, FileState>;
  /** Every file, in the order added. */
  order: string[];
  /** Files waiting to start, in the order they will start (priority, then position). */
  queue: string[];
  jobs: Record<string, JobState>;
  online: boolean;
  /** Overall upload speed in bytes/s, smoothed (EMA). */
  speed: number;
  /**
   * Per batch: files selected but not in `files` yet (a large selection is added in slices, see
   * add-slices.ts), and whether they will come in paused. Empty once every selection is in.
   */
  adding: AddingState;
};

export type UploadStore = StoreApi<UploadState>;

export function createUploadStore(): UploadStore {
  return createStore<UploadState>()(() => ({
    files: {},
    order: [],
    queue: [],
    jobs: {},
    online: true,
    speed: 0,
    adding: {},
  }));
}

type RootPatch = Partial<Pick<UploadState, "queue" | "online" | "speed" | "adding">>;

/**
 * The engine's only way to write the store. Writes are collected and applied in one `setState`
 * per flush (in a browser an animation frame at most every STORE_FLUSH_GAP_MS, longer with many
 * files: scheduler.ts storeFlushGapMs; in Node a turn),
 * however many progress events and pushes came in between; a file's
 * object is replaced only when that file changed, so a row subscribed to its own file re-renders
 * only for its own changes. Status writes never move a file backwards (DESIGN §5) unless the
 * engine says so, which it does for exactly one thing: a retry.
 *
 * Byte progress alone (`patchProgress`, `setRoot(…, { progress: true })`) waits for the slower
 * `scheduleProgress` (a few times a second in a browser): with six requests in flight it changes
 * every frame, and re-rendering the panel 60 times a second for it costs more main-thread time than
 * the upload itself. Anything else (a status, a new file) flushes with the next `schedule`d flush,
 * taking the pending progress with it.
 *
 * While the engine is quiet (`quiet()`: nothing registering, waiting or sending; only the server's
 * pushes still come, PROCESSING → COMPLETED for each photo), writes other than a new file wait for
 * the slower `scheduleSettled` (once a second in a browser, SETTLED_FLUSH_MS): each flush re-renders the panel and the
 * page draws a frame for it, and pushes for a batch arrive a few a second for as long as the server
 * processes it. A new file always flushes with the next `schedule`d flush, taking the rest with it.
 */
export class StoreWriter {
  readonly #files = new Map<string, Partial<FileState>>();
  readonly #added: string[] = [];
  readonly #removed = new Set<string>();
  readonly #jobs = new Map<string, JobState>();
  #root: RootPatch = {};
  #lazyRoot: (() => RootPatch) | null = null;
  #scheduled = false;
  #progressScheduled = false;
  #settledScheduled = false;
  /** Which files each flush changed (files-delta.ts), for readers that follow changes. */
  readonly #delta = new FilesDeltaLog();
  /** The last `files` this writer made, and the `order` that lists exactly its keys (see #copyFiles). */
  #made: { files: UploadState["files"]; order: readonly string[] } | null = null;

  constructor(
    readonly store: UploadStore,
    private readonly schedule: FrameScheduler,
    private readonly scheduleProgress: FrameScheduler = schedule,
    private readonly settled: { schedule: FrameScheduler; quiet: () => boolean } | null = null,
  ) {}

  /** The file as it will be after the next flush. */
  file(id: string): FileState | undefined {
    if (this.#removed.has(id)) return undefined;
    const base = this.store.getState().files[id];
    const pending = this.#files.get(id);
    if (!pending) return base;
    // A copy either way: pending patches are merged into in place (#write).
    return { ...base, ...pending } as FileState;
  }

  job(jobId: string): JobState | undefined {
    return this.#jobs.get(jobId) ?? this.store.getState().jobs[jobId];
  }

  addFile(state: FileState): void {
    this.#removed.delete(state.id);
    this.#files.set(state.id, { ...state });
    this.#added.push(state.id);
    this.#request();
  }

  patchFile(id: string, patch: Partial<FileState>, options: { allowBackward?: boolean } = {}): void {
    if (this.#write(id, patch, options)) this.#request();
  }

  /** Bytes moved (bytesSent, partsDone): flushed with the next write that matters, or a few times a second. */
  patchProgress(id: string, patch: Pick<Partial<FileState>, "bytesSent" | "partsDone">): void {
    if (this.#write(id, patch, {})) this.#requestProgress();
  }

  #write(id: string, patch: Partial<FileState>, options: { allowBackward?: boolean }): boolean {
    if (this.#removed.has(id) || (!this.#files.has(id) && !(id in this.store.getState().files))) return false;
    let next = patch;
    const current = patch.status !== undefined && !options.allowBackward ? this.file(id) : undefined;
    if (current && patch.status !== undefined && !movesForward(current.status, patch.status)) {
      // A stale status write is dropped together with the error that would explain it.
      const { status: _status, error: _error, ...rest } = patch;
      next = rest;
    }
    if (!hasKeys(next)) return false;
    // Merged in place: every progress event comes here, and the patch is the writer's own object.
    const pending = this.#files.get(id);
    if (pending) Object.assign(pending, next);
    else this.#files.set(id, { ...next });
    return true;
  }

  removeFiles(ids: Iterable<string>): void {
    for (const id of ids) {
      this.#files.delete(id);
      this.#removed.add(id);
    }
    this.#request();
  }

  setJob(job: JobState): void {
    this.#jobs.set(job.jobId, job);
    this.#request();
  }

  setRoot(patch: RootPatch, options: { progress?: boolean } = {}): void {
    this.#root = { ...this.#root, ...patch };
    if (options.progress) this.#requestProgress();
    else this.#request();
  }

  /** A root value that is costly to compute (the waiting order): computed once, at flush. */
  setRootLazy(compute: () => RootPatch): void {
    this.#lazyRoot = compute;
    this.#request();
  }

  /** Applies everything pending now (tests, destroy). Normally the scheduler calls it. */
  flush(): void {
    this.#scheduled = false;
    if (this.#lazyRoot) {
      this.#root = { ...this.#root, ...this.#lazyRoot() };
      this.#lazyRoot = null;
    }
    if (this.#files.size === 0 && this.#removed.size === 0 && this.#jobs.size === 0 && !hasKeys(this.#root)) return;
    const state = this.store.getState();
    const next: Partial<UploadState> = { ...this.#root };
    if (this.#files.size > 0 || this.#removed.size > 0) {
      const files = this.#copyFiles(state);
      for (const id of this.#removed) delete files[id];
      for (const [id, patch] of this.#files) files[id] = { ...files[id], ...patch } as FileState;
      next.files = files;
      this.#delta.record(state.files, files, [...this.#removed, ...this.#files.keys()]);
      if (this.#added.length > 0 || this.#removed.size > 0) {
        const added = this.#added.filter((id) => !this.#removed.has(id) && !(id in state.files));
        next.order = [...state.order.filter((id) => !this.#removed.has(id)), ...added];
      }
    }
    if (this.#jobs.size > 0) next.jobs = { ...state.jobs, ...Object.fromEntries(this.#jobs) };
    this.#files.clear();
    this.#added.length = 0;
    this.#removed.clear();
    this.#jobs.clear();
    this.#root = {};
    this.store.setState(next);
    if (next.files) this.#made = { files: next.files, order: next.order ?? state.order };
  }

  /**
   * A copy of the store's `files` to write into. Every flush that changes a file copies it, so at
   * 10,000 files the copy was most of a flush's script: a spread of an object that large (V8 keeps
   * it as a dictionary) enumerates its keys and sorts them by when they were added, where setting
   * the same keys from a list of them costs about a third as much (in Node, 10,000 keys:
   * spread 3.6× the loop). For a `files` this writer made, `order` is that list: every file, each
   * once, and nothing else. A `files` set from elsewhere (tests) is spread as before.
   */
  #copyFiles(state: UploadState): Record<string, FileState> {
    if (state.files !== this.#made?.files || state.order !== this.#made.order) return { ...state.files };
    const files: Record<string, FileState> = {};
    const from = state.files;
    for (const id of state.order) files[id] = from[id] as FileState;
    return files;
  }

  #request(): void {
    if (this.#scheduled) return;
    if (this.settled && this.#added.length === 0 && this.settled.quiet()) {
      this.#requestSettled(this.settled.schedule);
      return;
    }
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  #requestSettled(schedule: FrameScheduler): void {
    if (this.#settledScheduled) return;
    this.#settledScheduled = true;
    schedule(() => {
      this.#settledScheduled = false;
      this.flush();
    });
  }

  #requestProgress(): void {
    if (this.#scheduled || this.#progressScheduled) return;
    this.#progressScheduled = true;
    this.scheduleProgress(() => {
      this.#progressScheduled = false;
      this.flush();
    });
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
