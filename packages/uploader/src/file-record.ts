import { NewFile, type PhotoMessage } from "@rapidphoto/protocol";
import type { FailureReason } from "./errors.js";
import type { RunFile } from "./file-runner.js";
import { FileProgress } from "./progress.js";
import type { UploadSource } from "./source.js";
import type { FileState } from "./store.js";

/**
 * What the engine keeps per file, beside the store. The only place a File, Blob or buffer is
 * referenced (`source`, `upload.source`). Both are kept until the file is done — COMPLETED or
 * CANCELLED — so a photo the server fails after every byte was stored can be sent again; a
 * source is a handle that reads on demand, not the bytes.
 */
export type FileRecord = {
  id: string;
  name: string;
  type: string;
  size: number;
  priority: number;
  source: UploadSource | null;
  progress: FileProgress;
  jobId: string | null;
  photoId: string | null;
  /** Set once the server has registered the file. */
  upload: RunFile | null;
  paused: boolean;
  cancelled: boolean;
  registering: boolean;
  finalizing: boolean;
  /** Aborts the current run; null when the file is not running. */
  controller: AbortController | null;
  /** Settles when the current run has ended and every request of it is closed. */
  settled: Promise<void> | null;
  retries: number;
  /** A FAILED push that came while a run was on, merged when the run ends (its own answer may come later). */
  deferred: PhotoMessage | null;
};

let counter = 0;

/** Client ids: unique in this page, short, and no use to anyone else (not a file name or path). */
export function newFileId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `f_${Date.now().toString(36)}_${counter.toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Checks a file against the server's rules before it is sent, so one bad file cannot sink a batch of 1000. */
export function validateSource(source: UploadSource): FailureReason | null {
  const result = NewFile.safeParse({ filename: source.name, mimeType: source.type, bytes: source.size });
  if (result.success) return null;
  return { code: "INVALID_FILE", message: result.error.issues[0]?.message ?? "This file cannot be uploaded." };
}

export function initialFileState(record: FileRecord, addedAt: number): FileState {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    bytesTotal: record.size,
    bytesSent: 0,
    status: "QUEUED",
    paused: false,
    priority: record.priority,
    jobId: null,
    photoId: null,
    method: null,
    partCount: 0,
    partsDone: 0,
    retries: 0,
    error: null,
    serverPercent: null,
    seqFloor: 0,
    addedAt,
  };
}

/** Drops every reference to the file's bytes. */
export function releaseSource(record: FileRecord): void {
  record.source = null;
  record.upload = null;
}

/** A new record; `onBytes` hears every change of the file's byte count (see FileProgress). */
export function createRecord(
  source: UploadSource,
  priority: number,
  onBytes: (record: FileRecord, delta: number, live: boolean) => void,
): FileRecord {
  const record: FileRecord = {
    id: newFileId(),
    name: source.name,
    type: source.type,
    size: source.size,
    priority,
    source,
    progress: new FileProgress(source.size, (delta, live) => onBytes(record, delta, live)),
    jobId: null,
    photoId: null,
    upload: null,
    paused: false,
    cancelled: false,
    registering: false,
    finalizing: false,
    controller: null,
    settled: null,
    retries: 0,
    deferred: null,
  };
  return record;
}
