import { isInLibrary, RestoreResponse } from "@rapidphoto/protocol";
import {
  createApiClient,
  createUploader,
  createXhrTransport,
  type FileState,
  type Uploader,
  type UploadSource,
  type UploadState,
} from "@rapidphoto/uploader";
import type { QueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/lib/api/client";
import { API_URL } from "@/lib/config";
import { createWorkerHasher } from "../hashing/worker-hasher";
import { LiveSync } from "../live/live-sync";
import { type BatchResult, BatchTracker } from "./batches";
import { resetClearedRows, uploadPanelStore } from "./upload-panel-store";

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
  /** Queues accepted photos (already checked by the caller) as one batch; returns the engine's ids. */
  add(photos: readonly AcceptedPhoto[]): string[];
  /** One failed file, or every failed file in sight. */
  retry(fileId?: string): void;
  /** Whether the engine can try a failed file again (see canRetry). */
  canRetry(file: FileState): boolean;
  cancel(fileId?: string): Promise<void>;
  /** Cancels a photo or a whole job this tab has no file for (started elsewhere): the server aborts its upload. */
  cancelElsewhere(target: { photoId: string } | { jobId: string }): Promise<void>;
  /** Takes a photo out of Trash (a picked file that was already there, "Already in library"). */
  restoreFromTrash(photoId: string): Promise<void>;
  destroy(): void;
}

export type AcceptedPhoto = { file: File; type: string };

export type UploadSessionOptions = {
  userId: string;
  getToken(): string | null;
  queryClient: QueryClient;
  onBatchSettled(result: BatchResult): void;
  /** Photos that reached the library or changed status there (processing → completed or failed). */
  onLibraryChanged(photoIds: string[]): void;
};

export function createUploadSession(options: UploadSessionOptions): UploadSession {
  const getToken = () => options.getToken();
  const api = createApiClient({ baseUrl: API_URL, getToken });
  /** The File behind a source that wraps one (toSource), so the worker can be handed the File itself. */
  const blobs = new WeakMap<UploadSource, Blob>();
  const hashing = hashingEnabled() ? createWorkerHasher((source) => blobs.get(source)) : null;
  const uploader = createUploader({ api, transport: createXhrTransport(), hasher: hashing?.hasher });
  /** Aborted by destroy: calls the session makes for the panel end with it. */
  const life = new AbortController();
  const live = new LiveSync({
    queryClient: options.queryClient,
    apply: (message) => uploader.applyServerMessage(message),
    applyView: (view) => uploader.applyJobView(view),
    ownsJob: (jobId) => jobId in uploader.store.getState().jobs,
    fetchJob: (jobId, signal) => api.getJob(jobId, signal),
    onLibraryChanged: options.onLibraryChanged,
  });
  const batches = new BatchTracker();

  const stopWatching = uploader.store.subscribe((state, previous) => {
    if (state.files === previous.files) return;
    const changed = enteredLibrary(state.files, previous.files);
    if (changed.length) options.onLibraryChanged(changed);
    const statusOf = (id: string) => {
      const file = state.files[id];
      return file?.duplicateOf ? "DUPLICATE" : file?.status;
    };
    for (const result of batches.settle(statusOf)) options.onBatchSettled(result);
  });

  /**
   * Any failed file but one the API refuses outright (a retry cannot fix the file itself). The engine
   * holds the file until it is done, so a photo the server failed is sent again for the same photo.
   */
  const canRetry = (file: FileState) => file.status === "FAILED" && file.error?.code !== "INVALID_FILE";

  return {
    userId: options.userId,
    uploader,
    live,
    add(photos) {
      const ids = uploader.add(
        photos.map((photo) => {
          const source = toSource(photo);
          if (source !== photo.file) blobs.set(source, photo.file);
          return source;
        }),
      );
      batches.track(ids);
      return ids;
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
    cancelElsewhere: (target) =>
      "jobId" in target ? api.cancelJob(target.jobId, life.signal) : api.cancelPhoto(target.photoId, life.signal),
    async restoreFromTrash(photoId) {
      const token = getToken() ?? "";
      const body = { photoIds: [photoId] };
      await apiRequest("/commands/photos/restore", { token, body, schema: RestoreResponse, signal: life.signal });
      options.onLibraryChanged([photoId]);
    },
    destroy() {
      life.abort();
      hashing?.dispose();
      stopWatching();
      live.destroy();
      uploader.destroy();
      batches.clear();
      resetClearedRows();
    },
  };
}

/** The engine sends `type` as the photo's MIME type; a HEIC with an empty `type` gets the one from its name. */
function toSource({ file, type }: AcceptedPhoto): UploadSource {
  if (file.type === type) return file;
  return { name: file.name, type, size: file.size, slice: (start, end) => file.slice(start, end) };
}

/**
 * Content-hash dedupe is on unless turned off for this browser (`localStorage["rapidphoto.hashing"]
 * = "off"`): the browser benchmark measures the upload with and without it in the same run.
 */
function hashingEnabled(): boolean {
  try {
    return globalThis.localStorage?.getItem("rapidphoto.hashing") !== "off";
  } catch {
    return true;
  }
}

/** Whether one of this tab's photos reached the library's statuses (or moved between them) in this frame. */
function enteredLibrary(files: UploadState["files"], before: UploadState["files"]): string[] {
  const ids: string[] = [];
  for (const id in files) {
    const file = files[id]!;
    const old = before[id];
    if (file !== old && file.photoId && isInLibrary(file.status) && file.status !== old?.status) ids.push(file.photoId);
  }
  return ids;
}
