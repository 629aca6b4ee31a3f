import {
  deriveJobStatus,
  emptyCounts,
  isTerminalJob,
  isTerminalPhoto,
  type JobView,
  type PhotoStatus,
} from "@rapidphoto/protocol";
import { computeTotals, type FileState, type Totals, type UploadState } from "@rapidphoto/uploader";

/**
 * What the upload panel lists, as plain functions of the engine's state and the cached job views
 * (the panel's hooks wrap them in selectors). Rows are either this tab's files (engine state, keyed
 * by the engine's file id) or photos of jobs started elsewhere (server state, keyed "r:" + photo id).
 */

export const PANEL_TABS = ["all", "active", "completed", "failed"] as const;
export type PanelTab = (typeof PANEL_TABS)[number];
export type TabCounts = Record<PanelTab, number>;

export function inTab(tab: PanelTab, status: PhotoStatus): boolean {
  switch (tab) {
    case "all":
      return true;
    case "active": // not finished: waiting, sending or processing on the server
      return !isTerminalPhoto(status);
    case "completed":
      return status === "COMPLETED";
    case "failed":
      return status === "FAILED";
  }
}

function emptyTabCounts(): TabCounts {
  return { all: 0, active: 0, completed: 0, failed: 0 };
}

export function countInto(counts: TabCounts, status: PhotoStatus): void {
  for (const tab of PANEL_TABS) if (inTab(tab, status)) counts[tab]++;
}

/** A file the library already had ("Already in library") is listed under All only: it was neither uploaded nor failed. */
function fileInTab(tab: PanelTab, file: FileState): boolean {
  return file.duplicateOf ? tab === "all" : inTab(tab, file.status);
}

/** Attention first: unfinished rows (0), then failed ones (1), then the rest (2). */
export function attentionRank(status: PhotoStatus): 0 | 1 | 2 {
  return !isTerminalPhoto(status) ? 0 : status === "FAILED" ? 1 : 2;
}

/**
 * This tab's files shown in `tab`, attention first: unfinished files (those sending or processing in
 * the order added, then the waiting ones in the order they will be sent, which reordering changes),
 * then failed ones, then the rest, each in the order added. So in "All", finished rows never push
 * active ones down, and the counts of ranks 0 and 1 are the tab counts "active" and "failed".
 */
export function localRowIds(state: UploadState, hidden: ReadonlySet<string>, tab: PanelTab): string[] {
  const running: string[] = [];
  const failed: string[] = [];
  const rest: string[] = [];
  for (const id of state.order) {
    const file = state.files[id];
    if (!file || hidden.has(id) || !fileInTab(tab, file) || queuePosition(state, id) !== null) continue;
    const rank = attentionRank(file.status);
    (rank === 0 ? running : rank === 1 ? failed : rest).push(id);
  }
  const waiting = state.queue.filter((id) => {
    const file = state.files[id];
    return file && !hidden.has(id) && fileInTab(tab, file);
  });
  return [...running, ...waiting, ...failed, ...rest];
}

export function localCounts(state: UploadState, hidden: ReadonlySet<string>): TabCounts {
  const counts = emptyTabCounts();
  for (const id of state.order) {
    const file = state.files[id];
    if (!file || hidden.has(id)) continue;
    for (const tab of PANEL_TABS) if (fileInTab(tab, file)) counts[tab]++;
  }
  return counts;
}

const positionCache = new WeakMap<readonly string[], Map<string, number>>();

/**
 * Jobs this tab started (any of its files belongs to them), as one sorted, comma-joined string.
 * Not the engine's `jobs`: the engine also records jobs it only heard about (pushes, fetched views).
 */
export function ownJobsKey(state: UploadState): string {
  return jobsKey(state, () => true);
}

/**
 * The server's status of each batch this tab added (one pick or drop), in the order added, as
 * strings ("b_…:IN_PROGRESS") so a selector's result compares by value. A batch larger than one
 * job is carried by several jobs: its status is derived from their counts together, with the files
 * not registered yet counted as queued, so the panel shows one batch however it was split. Batches
 * whose files were all hidden are left out.
 */
export function localBatchStatuses(state: UploadState, hidden: ReadonlySet<string>): string[] {
  const batches = new Map<string, { jobs: Set<string>; unregistered: number; unfinished: boolean }>();
  for (const id of state.order) {
    const file = state.files[id];
    if (!file || hidden.has(id)) continue;
    let batch = batches.get(file.batchId);
    if (!batch) {
      batch = { jobs: new Set(), unregistered: 0, unfinished: false };
      batches.set(file.batchId, batch);
    }
    if (file.needsFile && !isTerminalPhoto(file.status)) batch.unfinished = true;
    if (file.jobId) batch.jobs.add(file.jobId);
    else if (!isTerminalPhoto(file.status)) batch.unregistered++;
  }
  const out: string[] = [];
  for (const [batchId, batch] of batches) {
    if (batch.jobs.size === 0 && batch.unregistered === 0) continue; // refused before any job
    const counts = emptyCounts();
    counts.totalCount = counts.queuedCount = batch.unregistered;
    for (const jobId of batch.jobs) {
      const job = state.jobs[jobId];
      if (!job) continue;
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += job[key];
    }
    const status = deriveJobStatus(counts);
    // Never shown finished while a file of it waits to be picked again (the server still counts it).
    out.push(`${batchId}:${batch.unfinished && isTerminalJob(status) ? "IN_PROGRESS" : status}`);
  }
  return out;
}

/** 1-based place in the waiting order, or null for a file not waiting; O(1) per row after the first. */
export function queuePosition(state: UploadState, id: string): number | null {
  let positions = positionCache.get(state.queue);
  if (!positions) {
    positions = new Map(state.queue.map((fileId, index) => [fileId, index + 1]));
    positionCache.set(state.queue, positions);
  }
  return positions.get(id) ?? null;
}

/**
 * Jobs with a file of this tab still in flight or processing: the ones to follow live. Returned as
 * one sorted, comma-joined string so a selector's result compares by value.
 */
export function activeLocalJobsKey(state: UploadState): string {
  return jobsKey(state, (file) => !isTerminalPhoto(file.status));
}

function jobsKey(state: UploadState, include: (file: FileState) => boolean): string {
  const jobs = new Set<string>();
  for (const file of Object.values(state.files)) if (file.jobId && include(file)) jobs.add(file.jobId);
  return [...jobs].sort().join(",");
}

export type RemoteRow = {
  key: string;
  jobId: string;
  photoId: string;
  status: PhotoStatus;
  /** No tab is sending it (the sender's lease lapsed): it needs its file picked again. */
  waitingForFile: boolean;
};

export const remoteRowKey = (photoId: string) => `r:${photoId}`;

/**
 * Photos of jobs started elsewhere (another tab, or this tab before a reload). A photo this tab is
 * sending itself (its client id is one of our files) is never listed twice.
 */
export function remoteRows(
  views: readonly JobView[],
  ownFileIds: ReadonlySet<string>,
  hidden: ReadonlySet<string>,
): RemoteRow[] {
  const rows: RemoteRow[] = [];
  for (const view of views) {
    for (const p of view.photos) {
      const key = remoteRowKey(p.photoId);
      if (hidden.has(key) || (p.clientId !== null && ownFileIds.has(p.clientId))) continue;
      const waitingForFile = p.waitingForFile === true;
      rows.push({ key, jobId: view.jobId, photoId: p.photoId, status: p.status, waitingForFile });
    }
  }
  return rows;
}

const summaryCache = new WeakMap<UploadState["files"], WeakMap<ReadonlySet<string>, Totals>>();

/**
 * The panel's headline numbers over this tab's visible files (the engine's computeTotals), computed
 * once per frame's state and set of hidden rows, however many components ask.
 */
export function summarize(state: UploadState, hidden: ReadonlySet<string>): Totals {
  let byHidden = summaryCache.get(state.files);
  if (!byHidden) {
    byHidden = new WeakMap();
    summaryCache.set(state.files, byHidden);
  }
  const cached = byHidden.get(hidden);
  if (cached) return cached;
  const visible: FileState[] = [];
  for (const id of state.order) {
    const file = state.files[id];
    if (file && !hidden.has(id)) visible.push(file);
  }
  const totals = computeTotals(visible);
  byHidden.set(hidden, totals);
  return totals;
}
