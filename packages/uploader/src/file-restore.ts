import type { UploadItem } from "@rapidphoto/protocol";
import { type EngineParts, planUpload } from "./file-lifecycle.js";
import { type FileRecord, newClientId } from "./file-record.js";
import { matchByFingerprint } from "./fingerprint.js";
import { newJob } from "./merge.js";
import type { PersistedFile } from "./persisted-state.js";
import type { UploadSource } from "./source.js";
import type { FileState } from "./store.js";

/**
 * Files from an earlier page (reload, crash, a closed tab) back in the engine: first without their
 * bytes (`needsFile`), shown as waiting for the file; then, once the person picks the files again
 * (or a kept handle gives them back), matched by fingerprint and sent from where storage stands.
 */

export type NewRecord = (id: string, size: number) => FileRecord;

/** Adds restored files (skipping ids the engine already has or had); returns the ids added. */
export function restoreFiles(parts: EngineParts, files: readonly PersistedFile[], newRecord: NewRecord): string[] {
  const added: string[] = [];
  const jobs = new Map<string, number>();
  const batchId = newClientId("b"); // what comes back from one restore is one batch
  for (const f of files) {
    // A file already here, or done here already (its record retired, its row kept).
    if (parts.records.has(f.id) || parts.writer.file(f.id)) continue;
    const r = newRecord(f.id, f.size);
    parts.records.set(f.id, r);
    if (f.photoId) parts.byPhoto.set(f.photoId, f.id);
    if (f.jobId) jobs.set(f.jobId, (jobs.get(f.jobId) ?? 0) + 1);
    parts.writer.addFile(restoredState(f, batchId));
    added.push(f.id);
  }
  // The engine follows these jobs again: pushes and fetched views bring the photos' real statuses
  // (finished elsewhere, expired) before anyone picks a file.
  for (const [jobId, count] of jobs) if (!parts.writer.job(jobId)) parts.writer.setJob(newJob(jobId, count));
  return added;
}

function restoredState(f: PersistedFile, batchId: string): FileState {
  return {
    id: f.id,
    name: f.name,
    type: f.type,
    bytesTotal: f.size,
    bytesSent: Math.min(f.bytesSent, f.size),
    status: f.status,
    paused: false,
    priority: f.priority,
    jobId: f.jobId,
    photoId: f.photoId,
    method: f.method,
    partCount: f.partCount,
    partsDone: f.storedParts.length,
    retries: 0,
    error: null,
    batchId,
    seqFloor: 0,
    addedAt: f.addedAt,
    lastModified: f.lastModified,
    sha256: f.sha256,
    duplicateOf: null,
    uploadId: f.uploadId,
    storedParts: f.storedParts,
    needsFile: true,
    awaitingOriginal: false,
  };
}

export type ReattachOptions = {
  /** The content hash of a source, to confirm a fingerprint match where the first pick's hash is known. */
  hash?: (source: UploadSource) => Promise<string>;
};

export type ReattachResult = {
  /** Files from an earlier page that have their bytes again and go on. */
  resumed: string[];
  /** Sources that matched no waiting file: new uploads for the caller to add. */
  unmatched: UploadSource[];
};

/** Files waiting for their bytes (restored and not picked again yet). */
export function waitingForFile(parts: EngineParts): FileState[] {
  const waiting: FileState[] = [];
  for (const r of parts.records.values()) {
    const file = parts.writer.file(r.id);
    if (file?.needsFile && !r.source) waiting.push(file);
  }
  return waiting;
}

/**
 * Gives restored files their bytes back. Registered ones re-plan from storage (only missing parts
 * or the whole small file are sent); ones never registered are registered by `register`.
 */
export async function reattachFiles(
  parts: EngineParts,
  sources: readonly UploadSource[],
  register: (records: FileRecord[]) => void,
  options: ReattachOptions,
): Promise<ReattachResult> {
  const { pairs, unmatched } = matchByFingerprint(waitingForFile(parts), sources);
  const resumed: string[] = [];
  const unregistered: FileRecord[] = [];
  for (const [file, source] of pairs) {
    if (file.sha256 && options.hash && (await options.hash(source)) !== file.sha256) {
      unmatched.push(source); // same name, size and time, other bytes
      continue;
    }
    const r = parts.records.get(file.id);
    const current = parts.writer.file(file.id);
    if (!r || r.source || !current?.needsFile) continue; // picked twice at once: the first pick has it
    r.source = source;
    parts.writer.patchFile(file.id, { needsFile: false, lastModified: source.lastModified ?? file.lastModified });
    resumed.push(file.id);
    if (current.jobId && current.photoId && current.method) {
      // Not a fresh item: the runner asks the server (sign → parts storage holds) before sending.
      const stale: UploadItem = { photoId: current.photoId, clientId: file.id, method: current.method };
      planUpload(parts, r, current.jobId, stale, true);
    } else if (!current.photoId) {
      unregistered.push(r);
    }
  }
  register(unregistered);
  return { resumed, unmatched };
}
