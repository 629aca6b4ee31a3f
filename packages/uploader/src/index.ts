/**
 * @rapidphoto/uploader — the framework-free upload engine (DESIGN §8).
 * Browser: `createUploader({ api: createApiClient(...), transport: createXhrTransport() })`.
 * Node: transports and file sources come from `@rapidphoto/uploader/node`.
 */

export { type AddingState, type AddSlicePolicy, DEFAULT_ADD_SLICES, type TaskScheduler } from "./add-slices.js";
export {
  type ApiClientOptions,
  createApiClient,
  createJsonClient,
  type JsonClient,
  type JsonRequest,
  type ResponseSchema,
  type UploadApi,
} from "./api-client.js";
export type { Clock } from "./clock.js";
export * from "./constants.js";
export {
  HASH_BATCH_BYTES,
  type Hasher,
  type HashFailure,
  hashEachAlone,
  inThreadHasher,
  sha256OfBlobs,
  sha256OfSource,
} from "./content-hash.js";
export { createUploader, type Uploader, type UploaderOptions } from "./engine.js";
export {
  ApiError,
  type FailureReason,
  NetworkError,
  StallError,
  type StopKind,
  StorageHttpError,
  UploaderError,
  UploadStoppedError,
} from "./errors.js";
export type { ReattachOptions, ReattachResult } from "./file-restore.js";
export { changedFiles } from "./files-delta.js";
export type { NetworkMonitor } from "./network.js";
export { chunkKey, PERSIST_CHUNK_FILES, PersistedFile, STATE_VERSION } from "./persisted-state.js";
export { etaSeconds } from "./progress.js";
export type { RetryPolicy } from "./retry.js";
export type { FrameScheduler } from "./scheduler.js";
export { computeTotals, moveTotals, selectFile, selectTotals, type Totals } from "./selectors.js";
export { bytesSource, type UploadBody, type UploadSource } from "./source.js";
export type { StallPolicy } from "./stall-policy.js";
export { openUploadStateDb, STATE_DB_NAME, type TabWrite, type UploadStateDb } from "./state-db.js";
export {
  DEFAULT_PERSIST_DELAY_MS,
  StatePersistence,
  type StatePersistenceOptions,
} from "./state-persistence.js";
export {
  createUploadStore,
  type DuplicateOf,
  type FileState,
  type JobState,
  type UploadState,
  type UploadStore,
} from "./store.js";
export type { QueueLimits } from "./task-queue.js";
export type { PutRequest, PutResponse, UploadTransport } from "./transport.js";
export { createXhrTransport } from "./transports/xhr-transport.js";
