import type { FileState, UploadState } from "../src/index.js";

/**
 * `@rapidphoto/uploader/testing`: builders of the engine's state for tests of the engine and of
 * what reads its store (the web's panel), so each test states only what it is about.
 */

/**
 * A file as the store holds it: 100 bytes, queued, not registered with the server yet (no job, no
 * photo), in batch `b_1`. Tests of a registered file set `jobId` and `photoId`.
 */
export function fileState(id: string, patch: Partial<FileState> = {}): FileState {
  return {
    id,
    name: `${id}.jpg`,
    type: "image/jpeg",
    bytesTotal: 100,
    bytesSent: 0,
    status: "QUEUED",
    paused: false,
    priority: 0,
    jobId: null,
    photoId: null,
    method: "PUT",
    partCount: 1,
    partsDone: 0,
    retries: 0,
    error: null,
    batchId: "b_1",
    seqFloor: 0,
    addedAt: 0,
    sha256: null,
    duplicateOf: null,
    lastModified: 0,
    uploadId: null,
    storedParts: [],
    needsFile: false,
    awaitingOriginal: false,
    ...patch,
  };
}

/** The store's state holding these files in this order, `queue` waiting to start, online, no jobs. */
export function uploadState(files: readonly FileState[], queue: string[] = []): UploadState {
  return {
    files: Object.fromEntries(files.map((f) => [f.id, f])),
    order: files.map((f) => f.id),
    queue,
    jobs: {},
    online: true,
    speed: 0,
    adding: {},
  };
}

/** The engine's store writer, for tests of readers that follow its flushes (changedFiles). */
export { StoreWriter } from "../src/store.js";

/** A clock that moves only when the test says so, for tests of what runs the engine's waits (backoff). */
export { ManualClock } from "../test/support/manual-clock.js";
