import { COUNT_FIELD, emptyCounts, isAwaitingBytes, isStored, type PhotoCounts, percentOf } from "@rapidphoto/protocol";
import type { FileState, UploadState } from "./store.js";

/**
 * Read-only views of the store for the UI: `useStore(store, selectFile(id))` per row,
 * `useStore(store, selectTotals)` for the summary. Totals are computed once per `files` object
 * (a frame's worth of writes) however many components ask.
 */

export type Totals = PhotoCounts & {
  /**
   * Bytes over files still wanted: failed and cancelled files drop out (so the percent can reach
   * 100), a stored file counts whole.
   */
  bytesSent: number;
  bytesTotal: number;
  /** 0–100 (percentOf); exactly 100 only when every byte is sent. */
  percent: number;
  /** Waiting for bytes and not paused: what the engine is still working on. */
  sendingCount: number;
  /** Waiting for bytes, paused by the user. */
  pausedCount: number;
  /**
   * Files the server already held ("Already in library"): no byte sent. Counted apart, in none of
   * the photo counts above (not in totalCount) and not in the bytes.
   */
  duplicateCount: number;
  /** Waiting for bytes this tab does not have (restored after a reload): the person must pick the file again. */
  needsFileCount: number;
};

export const selectFile =
  (id: string) =>
  (state: UploadState): FileState | undefined =>
    state.files[id];

const totalsCache = new WeakMap<UploadState["files"], Map<string, Totals>>();

/** Totals over every file, or over one job's files. */
export function selectTotals(state: UploadState, jobId?: string): Totals {
  let byJob = totalsCache.get(state.files);
  if (!byJob) {
    byJob = new Map();
    totalsCache.set(state.files, byJob);
  }
  const key = jobId ?? "";
  const cached = byJob.get(key);
  if (cached) return cached;
  const totals = computeTotals(Object.values(state.files).filter((f) => jobId === undefined || f.jobId === jobId));
  byJob.set(key, totals);
  return totals;
}

/** The one totals computation: the engine's selectors and the web's panel both use it. */
export function computeTotals(files: readonly FileState[]): Totals {
  const totals = emptyTotals();
  for (const f of files) countFile(totals, f, 1);
  return withPercent(totals);
}

/**
 * `totals` moved by the files that changed: each one's old state (undefined when it was not
 * counted) taken out and its new one (undefined when it no longer counts) put in. The same sums
 * as computeTotals over the new files, in time proportional to the changes.
 */
export function moveTotals(
  totals: Totals,
  changes: Iterable<{ before: FileState | undefined; after: FileState | undefined }>,
): Totals {
  const next = { ...totals };
  for (const { before, after } of changes) {
    if (before === after) continue;
    if (before) countFile(next, before, -1);
    if (after) countFile(next, after, 1);
  }
  return withPercent(next);
}

function emptyTotals(): Totals {
  return {
    ...emptyCounts(),
    bytesSent: 0,
    bytesTotal: 0,
    percent: 0,
    sendingCount: 0,
    pausedCount: 0,
    duplicateCount: 0,
    needsFileCount: 0,
  };
}

/** Adds (sign 1) or takes out (sign -1) one file's share of the totals. */
function countFile(totals: Totals, f: FileState, sign: 1 | -1): void {
  if (f.duplicateOf !== null) {
    totals.duplicateCount += sign;
    return;
  }
  totals.totalCount += sign;
  totals[COUNT_FIELD[f.status]] += sign;
  if (isAwaitingBytes(f.status)) {
    if (f.needsFile) totals.needsFileCount += sign;
    else if (f.paused) totals.pausedCount += sign;
    else totals.sendingCount += sign;
  }
  if (f.status === "FAILED" || f.status === "CANCELLED") return;
  totals.bytesTotal += sign * f.bytesTotal;
  totals.bytesSent += sign * (isStored(f.status) ? f.bytesTotal : f.bytesSent);
}

function withPercent(totals: Totals): Totals {
  totals.percent = percentOf(totals.bytesSent, totals.bytesTotal);
  return totals;
}
