import { deriveJobStatus, emptyCounts, isAwaitingBytes, isTerminalJob, isTerminalPhoto } from "@rapidphoto/protocol";
import { computeTotals, type FileState, type Totals, type UploadState } from "@rapidphoto/uploader";
import { attentionRank, emptyTabCounts, inTab, PANEL_TABS, type PanelTab, type TabCounts } from "./panel-rows";

/**
 * What the upload panel shows of this tab's files, worked out in one walk over them per store
 * state and set of hidden rows, however many components ask: the rows of every tab, the tab counts,
 * each batch's status and the headline totals. Each panel component subscribes to one piece; a
 * piece equal to the one before keeps its identity, so a plain `useStore` selector re-renders
 * only when what it shows changed (no per-subscriber deep compare of 1,000-element arrays).
 */
export type LocalPanel = {
  /** Row ids of each tab, attention first (see localRowIds). */
  rows: Readonly<Record<PanelTab, readonly string[]>>;
  counts: Readonly<TabCounts>;
  /** One "b_…:STATUS" per batch (see localBatchStatuses). */
  batches: readonly string[];
  totals: PanelTotals;
};

/** The engine's totals, with the files still being added counted in (`addingCount` of them). */
export type PanelTotals = Totals & { addingCount: number };

/** What the live connection and the page need of every file, hidden or not. */
type FileFacts = {
  /** Jobs this tab started, sorted, comma-joined. */
  ownJobs: string;
  /** Jobs with a file still in flight or processing, sorted, comma-joined. */
  activeJobs: string;
  /** A file is waiting for bytes and not paused: closing the tab would stop it. */
  sending: boolean;
};

type Entry = { facts?: FileFacts; byHidden: WeakMap<ReadonlySet<string>, LocalPanel> };

/** Keyed by the store's state object: a flush makes a new one, and every subscriber of that flush shares it. */
const cache = new WeakMap<UploadState, Entry>();
/**
 * The last panel worked out, as the source of pieces to keep: a piece is reused only when equal by
 * value, so which store it came from never matters for correctness.
 */
let previous: LocalPanel | null = null;

function entryOf(state: UploadState): Entry {
  let entry = cache.get(state);
  if (!entry) {
    entry = { byHidden: new WeakMap() };
    cache.set(state, entry);
  }
  return entry;
}

/** What `previous` was worked out from: a state whose rows match it only needs new totals (sameRows). */
let previousFrom: { state: UploadState; hidden: ReadonlySet<string> } | null = null;

export function localPanel(state: UploadState, hidden: ReadonlySet<string>): LocalPanel {
  const entry = entryOf(state);
  const cached = entry.byHidden.get(hidden);
  if (cached) return cached;
  // Most flushes while files upload only move bytes: the rows, counts and batches stay, and only the
  // totals are summed again (one pass, instead of ranking every file into four tabs and comparing the lists).
  const fresh =
    previous && previousFrom?.hidden === hidden && sameRows(previousFrom.state, state)
      ? withTotals(previous, panelTotals(state, visibleFiles(state, hidden)))
      : keepEqualPieces(computePanel(state, hidden), previous);
  entry.byHidden.set(hidden, fresh);
  previous = fresh;
  previousFrom = { state, hidden };
  return fresh;
}

/**
 * Whether `next` has the rows, tab counts and batch statuses of `before`: the same order, queue,
 * jobs and selections being added, and no file changed in what places a row (status, duplicate,
 * waiting for its file, job, batch). Bytes and everything else only reach the totals.
 */
function sameRows(before: UploadState, next: UploadState): boolean {
  if (before.order !== next.order || before.queue !== next.queue || before.jobs !== next.jobs) return false;
  if (before.adding !== next.adding) return false;
  if (before.files === next.files) return true;
  for (const id of next.order) {
    const a = before.files[id];
    const b = next.files[id];
    if (a === b) continue;
    if (!a || !b || a.status !== b.status || a.duplicateOf !== b.duplicateOf || a.needsFile !== b.needsFile)
      return false;
    if (a.jobId !== b.jobId || a.batchId !== b.batchId) return false;
  }
  return true;
}

function visibleFiles(state: UploadState, hidden: ReadonlySet<string>): FileState[] {
  const visible: FileState[] = [];
  for (const id of state.order) {
    const file = state.files[id];
    if (file && !hidden.has(id)) visible.push(file);
  }
  return visible;
}

function withTotals(panel: LocalPanel, totals: PanelTotals): LocalPanel {
  return sameFields(totals, panel.totals) ? panel : { ...panel, totals };
}

/**
 * This tab's files shown in `tab`, attention first: unfinished files (those sending or processing in
 * the order added, then the waiting ones in the order they will be sent, which reordering changes),
 * then failed ones, then the rest, each in the order added. So in "All", finished rows never push
 * active ones down, and the counts of ranks 0 and 1 are the tab counts "active" and "failed".
 */
export const localRowIds = (state: UploadState, hidden: ReadonlySet<string>, tab: PanelTab): readonly string[] =>
  localPanel(state, hidden).rows[tab];

export const localCounts = (state: UploadState, hidden: ReadonlySet<string>): Readonly<TabCounts> =>
  localPanel(state, hidden).counts;

/**
 * The server's status of each batch this tab added (one pick or drop), in the order added, as
 * strings ("b_…:IN_PROGRESS") so a selector's result compares by value. A batch larger than one
 * job is carried by several jobs: its status is derived from their counts together, with the files
 * not registered yet counted as queued, so the panel shows one batch however it was split. Batches
 * whose files were all hidden are left out.
 */
export const localBatchStatuses = (state: UploadState, hidden: ReadonlySet<string>): readonly string[] =>
  localPanel(state, hidden).batches;

/** The panel's headline numbers over this tab's visible files (the engine's computeTotals). */
export const summarize = (state: UploadState, hidden: ReadonlySet<string>): PanelTotals =>
  localPanel(state, hidden).totals;

/**
 * Jobs this tab started (any of its files belongs to them), as one sorted, comma-joined string.
 * Not the engine's `jobs`: the engine also records jobs it only heard about (pushes, fetched views).
 */
export const ownJobsKey = (state: UploadState): string => factsOf(state).ownJobs;

/**
 * Jobs with a file of this tab still in flight or processing: the ones to follow live. Returned as
 * one sorted, comma-joined string so a selector's result compares by value.
 */
export const activeLocalJobsKey = (state: UploadState): string => factsOf(state).activeJobs;

/** Some file still waits for bytes and is not paused: leaving the page would stop it. */
export const isSending = (state: UploadState): boolean => factsOf(state).sending;

const positionCache = new WeakMap<readonly string[], Map<string, number>>();

/** 1-based place in the waiting order, or null for a file not waiting; O(1) per row after the first. */
export function queuePosition(state: UploadState, id: string): number | null {
  return positionsOf(state.queue).get(id) ?? null;
}

function positionsOf(queue: readonly string[]): Map<string, number> {
  let positions = positionCache.get(queue);
  if (!positions) {
    positions = new Map(queue.map((fileId, index) => [fileId, index + 1]));
    positionCache.set(queue, positions);
  }
  return positions;
}

/** A file the library already had ("Already in library") is listed under All only: it was neither uploaded nor failed. */
function fileInTab(tab: PanelTab, file: FileState): boolean {
  return file.duplicateOf ? tab === "all" : inTab(tab, file.status);
}

type Batch = { jobs: Set<string>; unregistered: number; unfinished: boolean };

function computePanel(state: UploadState, hidden: ReadonlySet<string>): LocalPanel {
  const counts = emptyTabCounts();
  // Per tab: [running, failed, rest]; waiting files come from the queue, in its order.
  const ranked = {} as Record<PanelTab, [string[], string[], string[]]>;
  for (const tab of PANEL_TABS) ranked[tab] = [[], [], []];
  const batches = new Map<string, Batch>();
  const visible: FileState[] = [];
  const positions = positionsOf(state.queue);
  for (const id of state.order) {
    const file = state.files[id];
    if (!file || hidden.has(id)) continue;
    visible.push(file);
    const rank = attentionRank(file.status);
    const waiting = positions.has(id);
    for (const tab of PANEL_TABS) {
      if (!fileInTab(tab, file)) continue;
      counts[tab]++;
      if (!waiting) ranked[tab][rank].push(id);
    }
    addToBatch(batches, file);
  }
  const rows = {} as Record<PanelTab, string[]>;
  for (const tab of PANEL_TABS) {
    const [running, failed, rest] = ranked[tab];
    const waiting = state.queue.filter((id) => {
      const file = state.files[id];
      return file !== undefined && !hidden.has(id) && fileInTab(tab, file);
    });
    rows[tab] = [...running, ...waiting, ...failed, ...rest];
  }
  const totals = panelTotals(state, visible);
  // Files of a selection still being added (in slices) count from the start, as queued: the totals
  // (panelTotals) and the tab counts say how many were picked, not how many are in so far.
  for (const [batchId, adding] of Object.entries(state.adding)) {
    counts.all += adding.files;
    counts.active += adding.files;
    let batch = batches.get(batchId);
    if (!batch) {
      batch = { jobs: new Set(), unregistered: 0, unfinished: false };
      batches.set(batchId, batch);
    }
    batch.unregistered += adding.files;
  }
  return { rows, counts, batches: batchStatuses(state, batches), totals };
}

/** The engine's totals over the visible files, with the files of selections still being added counted as queued. */
function panelTotals(state: UploadState, visible: readonly FileState[]): PanelTotals {
  const totals: PanelTotals = { ...computeTotals(visible), addingCount: 0 };
  for (const adding of Object.values(state.adding)) {
    totals.totalCount += adding.files;
    totals.queuedCount += adding.files;
    if (adding.paused) totals.pausedCount += adding.files;
    else totals.sendingCount += adding.files;
    totals.addingCount += adding.files;
  }
  return totals;
}

function addToBatch(batches: Map<string, Batch>, file: FileState): void {
  let batch = batches.get(file.batchId);
  if (!batch) {
    batch = { jobs: new Set(), unregistered: 0, unfinished: false };
    batches.set(file.batchId, batch);
  }
  if (file.needsFile && !isTerminalPhoto(file.status)) batch.unfinished = true;
  if (file.jobId) batch.jobs.add(file.jobId);
  else if (!isTerminalPhoto(file.status)) batch.unregistered++;
}

function batchStatuses(state: UploadState, batches: Map<string, Batch>): string[] {
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

function factsOf(state: UploadState): FileFacts {
  const entry = entryOf(state);
  if (entry.facts) return entry.facts;
  const own = new Set<string>();
  const active = new Set<string>();
  let sending = false;
  for (const file of Object.values(state.files)) {
    if (isAwaitingBytes(file.status) && !file.paused) sending = true;
    if (!file.jobId) continue;
    own.add(file.jobId);
    if (!isTerminalPhoto(file.status)) active.add(file.jobId);
  }
  entry.facts = { ownJobs: [...own].sort().join(","), activeJobs: [...active].sort().join(","), sending };
  return entry.facts;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, i) => value === b[i]);

function sameFields<T extends object>(a: T, b: T): boolean {
  for (const key in a) if (!Object.is(a[key], b[key])) return false;
  return true;
}

/** `next` with every piece equal to `before`'s replaced by that piece, so unchanged pieces keep their identity. */
function keepEqualPieces(next: LocalPanel, before: LocalPanel | null): LocalPanel {
  if (!before) return next;
  const rows = {} as Record<PanelTab, readonly string[]>;
  for (const tab of PANEL_TABS)
    rows[tab] = sameList(next.rows[tab], before.rows[tab]) ? before.rows[tab] : next.rows[tab];
  return {
    rows: PANEL_TABS.every((tab) => rows[tab] === before.rows[tab]) ? before.rows : rows,
    counts: sameFields(next.counts, before.counts) ? before.counts : next.counts,
    batches: sameList(next.batches, before.batches) ? before.batches : next.batches,
    totals: sameFields(next.totals, before.totals) ? before.totals : next.totals,
  };
}
