import { COUNT_FIELD, emptyCounts, type PhotoCounts, type PhotoStatus } from "@rapidphoto/protocol";
import { etaSeconds } from "./progress.js";
import type { FileState, UploadState } from "./store.js";

/**
 * Read-only views of the store for the UI: `useStore(store, selectFile(id))` per row,
 * `useStore(store, selectTotals)` for the summary. Totals are computed once per `files` object
 * (a frame's worth of writes) however many components ask.
 */

export type Totals = PhotoCounts & {
  /** Bytes sent and total over files still wanted (cancelled files drop out). */
  bytesSent: number;
  bytesTotal: number;
  /** 0–100; exactly 100 only when every byte is sent. */
  percent: number;
  /** Files the engine is still working on (waiting or sending, not paused). */
  activeCount: number;
  pausedCount: number;
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

export const selectJobTotals = (jobId: string) => (state: UploadState) => selectTotals(state, jobId);

/** Seconds left for everything still to send, at the smoothed speed; null while there is no speed yet. */
export function selectEta(state: UploadState): number | null {
  const t = selectTotals(state);
  return etaSeconds(t.bytesTotal - t.bytesSent, state.speed);
}

export function computeTotals(files: readonly FileState[]): Totals {
  const totals: Totals = { ...emptyCounts(), bytesSent: 0, bytesTotal: 0, percent: 0, activeCount: 0, pausedCount: 0 };
  for (const f of files) {
    totals.totalCount++;
    totals[COUNT_FIELD[f.status]]++;
    if (f.paused) totals.pausedCount++;
    else if (isActive(f.status)) totals.activeCount++;
    if (f.status === "CANCELLED") continue;
    totals.bytesSent += f.bytesSent;
    totals.bytesTotal += f.bytesTotal;
  }
  totals.percent = totals.bytesTotal === 0 ? 0 : percentOf(totals.bytesSent, totals.bytesTotal);
  return totals;
}

/** Percent that shows 100 only for the exact byte count: 99.9999 does not round up to "done". */
export function percentOf(sent: number, total: number): number {
  if (sent >= total) return 100;
  return Math.min(99.99, (sent / total) * 100);
}

function isActive(status: PhotoStatus): boolean {
  return status === "QUEUED" || status === "UPLOADING";
}
