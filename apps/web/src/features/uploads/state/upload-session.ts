import { isAwaitingBytes, isTerminalJob, RestoreResponse } from "@rapidphoto/protocol";
import {
  type AddSlicePolicy,
  type Clock,
  createApiClient,
  createUploader,
  createXhrTransport,
  type FileState,
  type Uploader,
  type UploadSource,
  type UploadState,
} from "@rapidphoto/uploader";
import type { QueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { apiRequest } from "@/lib/api/client";
import { API_URL } from "@/lib/config";
import { createWorkerHasher } from "../hashing/worker-hasher";
import { LiveSync } from "../live/live-sync";
import { type BatchResult, BatchTracker } from "./batches";
import { withCreateMarks } from "./create-marks";
import { type FileHandle, filesFromHandles } from "./file-handles";
import { enteredLibrary } from "./library-entries";
import { resetClearedRows, uploadPanelStore } from "./upload-panel-store";
import { startUploadPersistence, type UploadPersistence } from "./upload-persistence";

/**
 * The upload engine of one signed-in session (DESIGN §8) and what the web app keeps beside it:
 * the live sync with the server and the batches to announce.
 * One per signed-in user per tab: UploadProvider creates it in an effect and destroys it when the
 * user changes or signs out (here or in another tab).
 */
export interface UploadSession {
  readonly userId: string;
  readonly uploader: Uploader;
  readonly live: LiveSync;
  /**
   * Settles once the uploads of an earlier page (a reload, a closed tab) are back in the engine, or
   * known not to be coming (nothing saved, no IndexedDB). Until then a job of this tab's own from
   * before the reload would look like one started elsewhere ("Uploading in another tab").
   */
  readonly restored: Promise<void>;
  /** Whether `restored` has settled (for a first render that need not wait a tick). */
  isRestored(): boolean;
  /**
   * Queues accepted photos (already checked by the caller) as one batch. Photos that match files
   * restored from an earlier page (waiting for their file) go on with those files instead of
   * starting again; the rest are new uploads.
   */
  add(photos: readonly AcceptedPhoto[]): void;
  /**
   * How many restored files waiting for their bytes a kept file handle could give back. Cheap
   * enough for a selector: without kept handles (most browsers, picked files) it reads no file.
   */
  resumableCount(state: UploadState): number;
  /**
   * "Resume N uploads": reads the kept handles (one permission prompt; must run in a click) and
   * sends what is missing. Files it could not read stay waiting for the person to pick them again.
   */
  resumeFromHandles(): Promise<{ resumed: number; missing: number }>;
  /** One failed file, or every failed file in sight. */
  retry(fileId?: string): void;
  /** Whether the engine can try a failed file again (see canRetry). */
  canRetry(file: FileState): boolean;
  cancel(fileId?: string): Promise<void>;
  /**
   * Cancels a photo or a whole job this tab has no file for (started elsewhere): the server aborts its
   * upload. Retried like the engine's own calls (a 503 from a lost database race, a dropped
   * connection); rejects on a final answer (404, 409) or once the tries are spent.
   */
  cancelElsewhere(target: { photoId: string } | { jobId: string }): Promise<void>;
  /** Takes a photo out of Trash (a picked file that was already there, "Already in library"). */
  restoreFromTrash(photoId: string): Promise<void>;
  destroy(): void;
}

/** A photo to upload; `handle` resolves to its persistent file handle where the browser gives one (a drop in Chromium). */
export type AcceptedPhoto = { file: File; type: string; handle?: Promise<FileHandle | null> };

export type UploadSessionOptions = {
  userId: string;
  getToken(): string | null;
  queryClient: QueryClient;
  onBatchSettled(result: BatchResult): void;
  /** Photos that reached the library or changed status there (processing → completed or failed). */
  onLibraryChanged(photoIds: string[]): void;
  /** The engine's clock (backoff between tries, stalls); the system clock by default (tests pass a manual one). */
  clock?: Clock;
};

export function createUploadSession(options: UploadSessionOptions): UploadSession {
  const getToken = () => options.getToken();
  // Each create notes whether the live sync was listening when it was sent (LiveSync createSentAt).
  const api = withCreateMarks(createApiClient({ baseUrl: API_URL, getToken }), (): number => live.liveSince);
  /** The File behind a source that wraps one (toSource), so the worker can be handed the File itself. */
  const blobs = new WeakMap<UploadSource, Blob>();
  const hashing = hashingEnabled() ? createWorkerHasher((source) => blobs.get(source)) : null;
  hashing?.warm();
  // One file hashed at a time (the engine's default): two at once split the read between them, so the
  // first file, which the first byte waits for, was hashed later (4 x 40 MB: 648-693 ms to the first
  // byte against 518 ms one at a time), for 0-20% more MB/s on small files.
  const uploader = createUploader({
    api,
    transport: createXhrTransport(),
    hasher: hashing?.hasher,
    hashOnlyPossibleDuplicates: localSwitch("rapidphoto.hashOnlyPossibleDuplicates") !== "off",
    addSlices: addSlicesOverride(),
    clock: options.clock,
  });
  /** Aborted by destroy: calls the session makes for the panel end with it. */
  const life = new AbortController();
  const live = new LiveSync({
    queryClient: options.queryClient,
    apply: (message) => uploader.applyServerMessage(message),
    applyView: (view) => uploader.applyJobView(view),
    ownJob: (jobId) => uploader.job(jobId),
    fetchJob: (jobId, signal) => api.getJob(jobId, signal),
    onLibraryChanged: options.onLibraryChanged,
    jobsBeingCreated: () => uploader.jobsBeingCreated(),
    createSentAt: (jobId) => api.sentAt(jobId),
  });
  const batches = new BatchTracker();
  let persistence: UploadPersistence | null = null;
  let restoreSettled = false;
  const restored = startUploadPersistence(uploader, options.userId, life.signal)
    .then((started) => {
      if (life.signal.aborted) started?.stop();
      else persistence = started;
    })
    .catch((error: unknown) => console.warn("Upload state could not be kept across reloads:", error))
    .finally(() => {
      restoreSettled = true;
    });

  const keepHandles = (ids: readonly string[], photos: readonly AcceptedPhoto[]) => {
    photos.forEach((photo, i) => {
      const id = ids[i];
      if (id && photo.handle) void photo.handle.then((h) => h && persistence?.keepHandle(id, h));
    });
  };
  /** The engine's source for each photo; a wrapped one remembers its File for the hashing worker. */
  const sourcesOf = (photos: readonly AcceptedPhoto[]) =>
    photos.map((photo) => {
      const source = toSource(photo);
      if (source !== photo.file) blobs.set(source, photo.file);
      return source;
    });
  const addNew = (photos: readonly AcceptedPhoto[], sources = sourcesOf(photos)) => {
    const ids = uploader.add(sources);
    batches.track(ids);
    keepHandles(ids, photos);
  };
  /** Picked or read again: matched files resume, the rest start as new uploads. */
  const reattach = async (photos: readonly AcceptedPhoto[]) => {
    const sources = sourcesOf(photos);
    const { resumed, unmatched } = await uploader.reattach(sources);
    if (life.signal.aborted) return;
    batches.track(resumed);
    const fresh = new Set(unmatched);
    const isFresh = (_: unknown, i: number) => fresh.has(sources[i]!);
    const matched = photos.filter((photo, i) => !isFresh(photo, i));
    keepHandles(resumed, matched);
    // The unmatched keep the sources the engine just saw, rather than being wrapped a second time.
    addNew(photos.filter(isFresh), sources.filter(isFresh));
  };

  const stopWatching = uploader.store.subscribe((state, previous) => {
    // A job that ended needs its create mark no more (create-marks.ts). One the engine has not taken
    // in yet (its create answer just came) has not ended: its mark stays.
    if (state.jobs !== previous.jobs && api.markCount > 0) {
      api.forgetEnded((jobId) => {
        const job = state.jobs[jobId];
        return job !== undefined && isTerminalJob(job.status);
      });
    }
    if (state.files === previous.files && state.adding === previous.adding) return;
    const changed = enteredLibrary(state.files, previous.files);
    if (changed.length) options.onLibraryChanged(changed);
    // A file not in the store yet may still be on its way (a selection is added in slices): only
    // once nothing is being added does a missing file count as cancelled.
    const adding = Object.keys(state.adding).length > 0;
    const statusOf = (id: string) => {
      const file = state.files[id];
      if (!file && adding) return "QUEUED";
      return file?.duplicateOf ? "DUPLICATE" : file?.status;
    };
    for (const result of batches.settle(statusOf)) options.onBatchSettled(result);
  });

  /**
   * Any failed file but one the API refuses outright (a retry cannot fix the file itself). The engine
   * holds the file until it is done, so a photo the server failed is sent again for the same photo.
   */
  const canRetry = (file: FileState) =>
    file.status === "FAILED" && file.error?.code !== "INVALID_FILE" && !file.needsFile;

  return {
    userId: options.userId,
    uploader,
    live,
    restored,
    isRestored: () => restoreSettled,
    add(photos) {
      if (waitingForFile(uploader.store.getState()).length === 0) addNew(photos);
      else void reattach(photos);
    },
    resumableCount(state) {
      const handles = persistence?.handles;
      if (!handles?.size) return 0;
      let count = 0;
      for (const file of waitingForFile(state)) if (handles.has(file.id)) count++;
      return count;
    },
    async resumeFromHandles() {
      const handles = new Map<string, FileHandle>();
      for (const file of waitingForFile(uploader.store.getState())) {
        const handle = persistence?.handles.get(file.id);
        if (handle) handles.set(file.id, handle);
      }
      const { files, missing } = await filesFromHandles(handles);
      // Read back with the type of its first pick (a HEIC's own type may be blank).
      const state = uploader.store.getState();
      const photos = [...files].map(([id, file]) => ({ file, type: state.files[id]?.type ?? file.type }));
      await reattach(photos);
      return { resumed: files.size, missing: missing.length };
    },
    retry(fileId) {
      const { files, order } = uploader.store.getState();
      const { clearedRows } = uploadPanelStore.getState();
      const targets = fileId === undefined ? order.filter((id) => !clearedRows.has(id)) : [fileId];
      for (const id of targets) {
        const file = files[id];
        if (!file || !canRetry(file)) continue;
        uploader.retry(id);
        if (!batches.has(id)) batches.track([id]);
      }
    },
    canRetry,
    cancel: (fileId) => uploader.cancel(fileId),
    cancelElsewhere: (target) => uploader.cancelOnServer(target),
    async restoreFromTrash(photoId) {
      const token = getToken() ?? "";
      const body = { photoIds: [photoId] };
      await apiRequest("/commands/photos/restore", { token, body, schema: RestoreResponse, signal: life.signal });
      options.onLibraryChanged([photoId]);
    },
    destroy() {
      life.abort();
      hashing?.dispose();
      persistence?.stop();
      stopWatching();
      live.destroy();
      uploader.destroy();
      batches.clear();
      resetClearedRows();
    },
  };
}

/** Files restored from an earlier page that still wait for their bytes. */
export function waitingForFile(state: UploadState): FileState[] {
  const waiting: FileState[] = [];
  for (const id of state.order) {
    const file = state.files[id];
    if (file?.needsFile && isAwaitingBytes(file.status)) waiting.push(file);
  }
  return waiting;
}

/** The engine sends `type` as the photo's MIME type; a HEIC with an empty `type` gets the one from its name. */
function toSource({ file, type }: AcceptedPhoto): UploadSource {
  if (file.type === type) return file;
  return {
    name: file.name,
    type,
    size: file.size,
    lastModified: file.lastModified,
    slice: (start, end) => file.slice(start, end),
  };
}

/**
 * Content-hash dedupe is on unless turned off for this browser (`localStorage["rapidphoto.hashing"]
 * = "off"`): the browser benchmark measures the upload with and without it in the same run. Only the
 * files that could be duplicates are hashed (the engine's `hashOnlyPossibleDuplicates`) unless
 * `localStorage["rapidphoto.hashOnlyPossibleDuplicates"] = "off"`, which hashes every file.
 */
function hashingEnabled(): boolean {
  return localSwitch("rapidphoto.hashing") !== "off";
}

/** A switch this browser keeps in localStorage, or null (none, or storage blocked). */
function localSwitch(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/**
 * How large selections are sliced, when this browser says otherwise (`localStorage["rapidphoto.addSlices"]
 * = '{"first":4,"files":5}'): browser tests slice a small selection this way. The engine's defaults otherwise.
 */
function addSlicesOverride(): Partial<AddSlicePolicy> | undefined {
  try {
    const raw = globalThis.localStorage?.getItem("rapidphoto.addSlices");
    if (!raw) return undefined;
    const schema = z.object({ first: z.number().int().positive(), files: z.number().int().positive() }).partial();
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
