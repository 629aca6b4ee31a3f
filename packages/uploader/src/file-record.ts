import { NewFile, type PhotoStatus } from "@rapidphoto/protocol";
import type { FailureReason } from "./errors.js";
import type { RunFile } from "./file-runner.js";
import { FileProgress } from "./progress.js";
import type { UploadSource } from "./source.js";
import type { FileState } from "./store.js";

/**
 * What the engine holds per file beside the store: handles only (the source, the plan of the
 * current upload, the abort controller of its run). Every fact about the file — status, paused,
 * priority, retries, job and photo ids — lives in the store alone (`FileState`).
 *
 * The only place a File, Blob or buffer is referenced (`source`, `upload.source`). Both are kept
 * until the file is done — COMPLETED or CANCELLED — so a photo the server fails after every byte
 * was stored can be sent again; a source is a handle that reads on demand, not the bytes.
 */
export type FileRecord = {
  id: string;
  source: UploadSource | null;
  progress: FileProgress;
  /** The plan: set once the server has registered the file. */
  upload: RunFile | null;
  finalizing: boolean;
  /** Aborts the current run; null when the file is not running. */
  controller: AbortController | null;
  /** Settles when the current run has ended and every request of it is closed. */
  settled: Promise<void> | null;
  /** A FAILED report that came while a run was on, merged when the run ends (its own answer may come later). */
  deferred: PhotoReport | null;
};

/** What a push or a fetched job view says about one photo, as the engine merges it. */
export type PhotoReport = { status: PhotoStatus; errorMessage?: string | null; seq: number };

let counter = 0;

/** Client ids: unique in this page, short, and no use to anyone else (not a file name or path). */
export function newClientId(prefix: "f" | "b" = "f"): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}_${Date.now().toString(36)}_${counter.toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Checks a file against the server's rules before it is sent, so one bad file cannot sink a batch of 1000. */
export function validateSource(source: UploadSource): FailureReason | null {
  const result = NewFile.safeParse({ filename: source.name, mimeType: source.type, bytes: source.size });
  if (result.success) return null;
  return { code: "INVALID_FILE", message: result.error.issues[0]?.message ?? "This file cannot be uploaded." };
}

export function initialFileState(
  id: string,
  source: UploadSource,
  options: { priority: number; batchId: string; addedAt: number },
): FileState {
  const { priority, batchId, addedAt } = options;
  return {
    id,
    name: source.name,
    type: source.type,
    bytesTotal: source.size,
    bytesSent: 0,
    status: "QUEUED",
    paused: false,
    priority,
    jobId: null,
    photoId: null,
    method: null,
    partCount: 0,
    partsDone: 0,
    retries: 0,
    error: null,
    batchId,
    seqFloor: 0,
    addedAt,
    sha256: null,
    duplicateOf: null,
    lastModified: source.lastModified ?? 0,
    uploadId: null,
    storedParts: [],
    needsFile: false,
    awaitingOriginal: false,
  };
}

/** Drops every reference to the file's bytes. */
export function releaseSource(record: FileRecord): void {
  record.source = null;
  record.upload = null;
}

/** A new record; `onBytes` hears every change of the file's byte count (see FileProgress). */
export function createRecord(
  source: UploadSource | null,
  onBytes: (record: FileRecord, delta: number, live: boolean) => void,
  restored?: { id: string; size: number },
  id?: string,
): FileRecord {
  const record: FileRecord = {
    id: restored?.id ?? id ?? newClientId(),
    source,
    progress: new FileProgress(restored?.size ?? source?.size ?? 0, (delta, live) => onBytes(record, delta, live)),
    upload: null,
    finalizing: false,
    controller: null,
    settled: null,
    deferred: null,
  };
  return record;
}
