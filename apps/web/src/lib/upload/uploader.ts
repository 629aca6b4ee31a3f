import type { PhotoStatus } from "@rapidphoto/protocol";
import {
  createApiClient,
  createUploader,
  createXhrTransport,
  type FileState,
  type Uploader,
  type UploadSource,
} from "@rapidphoto/uploader";
import type { QueryClient } from "@tanstack/react-query";
import { createStore, type StoreApi } from "zustand/vanilla";
import { fetchJob } from "@/lib/api/uploads";
import { API_URL } from "@/lib/config";
import { sessionStore } from "@/lib/session/session-store";
import { type BatchResult, BatchTracker } from "./batches";
import { LiveSync } from "./live-sync";

/**
 * The upload engine of one signed-in session (DESIGN §8) and what the web app keeps beside it:
 * the live sync with the server, the batches to announce, and which rows the person cleared away.
 * One per signed-in user per tab; destroyed when the session ends (sign-out, another account).
 */
export interface UploadSession {
  readonly userId: string;
  readonly uploader: Uploader;
  readonly live: LiveSync;
  /** Panel rows cleared or replaced (client state): engine file ids and remote row keys. */
  readonly visibility: StoreApi<{ hidden: ReadonlySet<string> }>;
  /** Queues accepted photos (already checked by the caller) as one batch; returns the engine's ids. */
  add(photos: readonly AcceptedPhoto[]): string[];
  /** One failed file, or every failed file. */
  retry(fileId?: string): void;
  /** How a failed file can be tried again, or null when it cannot (see retryKind). */
  retryKind(file: FileState): RetryKind | null;
  cancel(fileId?: string): Promise<void>;
  hide(keys: Iterable<string>): void;
  destroy(): void;
}

export type AcceptedPhoto = { file: File; type: string };

/**
 * `engine`: the engine still holds the file and re-sends only what storage lacks.
 * `again`: the server failed the photo after every byte was stored (e.g. not a decodable image). The
 * engine has let go of the file by then, so the same file is uploaded again as a new photo.
 */
export type RetryKind = "engine" | "again";

export type UploadSessionOptions = {
  userId: string;
  getToken(): string | null;
  queryClient: QueryClient;
  onBatchSettled(result: BatchResult): void;
  onLibraryChanged(): void;
};

const NOT_HELD: ReadonlySet<PhotoStatus> = new Set(["COMPLETED", "CANCELLED"]);

export function createUploadSession(options: UploadSessionOptions): UploadSession {
  const getToken = () => options.getToken();
  const api = createApiClient({ baseUrl: API_URL, getToken });
  const uploader = createUploader({
    api: {
      ...api,
      // The engine ignores a FAILED push while its finalize request is out, and the worker can fail a
      // small or broken file before that request returns. Once the engine has taken the answer (the
      // timer runs after its continuation), the verdict the cache kept is replayed.
      async finalize(photoId, body, signal) {
        const answer = await api.finalize(photoId, body, signal);
        setTimeout(() => live.replayPhoto(photoId), 0);
        return answer;
      },
    },
    transport: createXhrTransport(),
  });
  const live = new LiveSync({
    queryClient: options.queryClient,
    apply: (message) => uploader.applyServerMessage(message),
    fetchJob: (jobId, signal) => fetchJob(getToken() ?? "", jobId, signal),
    onLibraryChanged: options.onLibraryChanged,
  });
  const visibility = createStore<{ hidden: ReadonlySet<string> }>()(() => ({ hidden: new Set() }));
  const batches = new BatchTracker();
  /**
   * File handles by engine id, kept until the server's verdict: a photo that fails processing can
   * then be sent again. A handle is not the bytes (the browser reads them on demand), and it is
   * dropped as soon as the photo is COMPLETED, CANCELLED or cleared.
   */
  const handles = new Map<string, File>();

  const stopWatching = uploader.store.subscribe((state, previous) => {
    if (state.files === previous.files) return;
    for (const id of handles.keys()) {
      const status = state.files[id]?.status;
      if (status === undefined || NOT_HELD.has(status)) handles.delete(id);
    }
    for (const result of batches.settle((id) => state.files[id]?.status)) options.onBatchSettled(result);
  });

  const hide = (keys: Iterable<string>) => {
    const hidden = new Set(visibility.getState().hidden);
    for (const key of keys) {
      hidden.add(key);
      handles.delete(key);
    }
    visibility.setState({ hidden });
  };

  function retryKind(file: FileState): RetryKind | null {
    if (file.status !== "FAILED" || file.error?.code === "INVALID_FILE") return null;
    const storedThenFailed = file.error?.code === "SERVER" && file.bytesSent >= file.bytesTotal;
    if (!storedThenFailed) return "engine";
    return handles.has(file.id) ? "again" : null;
  }

  function add(photos: readonly AcceptedPhoto[]): string[] {
    const ids = uploader.add(photos.map(toSource));
    for (const [i, id] of ids.entries()) handles.set(id, photos[i]!.file);
    return ids;
  }

  return {
    userId: options.userId,
    uploader,
    live,
    visibility,
    add(photos) {
      const ids = add(photos);
      batches.track(ids);
      return ids;
    },
    retry(fileId) {
      const { files, order } = uploader.store.getState();
      const { hidden } = visibility.getState();
      const targets = fileId === undefined ? order.filter((id) => !hidden.has(id)) : [fileId];
      const again: string[] = [];
      for (const id of targets) {
        const file = files[id];
        const kind = file ? retryKind(file) : null;
        if (kind === "engine") {
          uploader.retry(id);
          if (!batches.has(id)) batches.track([id]);
        } else if (kind === "again") {
          again.push(id);
        }
      }
      if (again.length === 0) return;
      const newIds = add(again.map((id) => ({ file: handles.get(id)!, type: files[id]!.type })));
      const fresh: string[] = [];
      again.forEach((oldId, i) => {
        if (!batches.replace(oldId, newIds[i]!)) fresh.push(newIds[i]!);
      });
      batches.track(fresh);
      hide(again);
    },
    retryKind,
    cancel: (fileId) => uploader.cancel(fileId),
    hide,
    destroy() {
      stopWatching();
      live.destroy();
      uploader.destroy();
      batches.clear();
      handles.clear();
    },
  };
}

/** The engine sends `type` as the photo's MIME type; a HEIC with an empty `type` gets the one from its name. */
function toSource({ file, type }: AcceptedPhoto): UploadSource {
  if (file.type === type) return file;
  return { name: file.name, type, size: file.size, slice: (start, end) => file.slice(start, end) };
}

let current: UploadSession | null = null;

/** The session's upload engine, created on first use; a different user gets a new one. */
export function uploadSessionFor(options: UploadSessionOptions): UploadSession {
  if (current?.userId === options.userId) return current;
  current?.destroy();
  current = createUploadSession(options);
  return current;
}

// Sign-out (here or in another tab) ends the engine: nothing keeps uploading for a signed-out tab.
sessionStore.subscribe((state) => {
  if (current && state.session?.userId !== current.userId) {
    current.destroy();
    current = null;
  }
});
