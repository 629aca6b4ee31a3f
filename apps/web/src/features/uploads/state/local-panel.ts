import { deriveJobStatus, emptyCounts, isAwaitingBytes, isTerminalJob, isTerminalPhoto } from "@rapidphoto/protocol";
import {
  changedFiles,
  computeTotals,
  type FileState,
  moveTotals,
  type Totals,
  type UploadState,
} from "@rapidphoto/uploader";
import { type BatchTally, buildIndex, moveIndex, type PanelIndex, positionsOf } from "./panel-index";
import { PANEL_TABS, type PanelTab, type TabCounts } from "./panel-rows";

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
  /** What the strings above are made from, moved by each flush's changed files (factsOf). */
  tally: FactTally;
};

/** Per job: this tab's files in it, and how many of them are not finished; files sending. */
type FactTally = { jobs: ReadonlyMap<string, { files: number; active: number }>; sending: number };

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

/**
 * What `previous` was worked out from: its totals before the files being added were counted in, and
 * its rows, counts and batches (panel-index.ts). A later state of the same store moves those by the
 * files its flushes changed (changedFiles) instead of walking every file again.
 */
let previousFrom: { state: UploadState; hidden: ReadonlySet<string>; base: Totals; index: PanelIndex } | null = null;

export function localPanel(state: UploadState, hidden: ReadonlySet<string>): LocalPanel {
  const entry = entryOf(state);
  const cached = entry.byHidden.get(hidden);
  if (cached) return cached;
  const from = previousFrom?.hidden === hidden ? previousFrom : null;
  const changed = from ? changedFiles(from.state.files, state.files) : null;
  const base =
    from && changed
      ? moveTotals(from.base, changedVisible(from.state, state, changed, hidden))
      : computeTotals(visibleFiles(state, hidden));
  const index = (from && changed && moveIndex(from.index, from.state, state, changed)) || buildIndex(state, hidden);
  const fresh = keepEqualPieces(panelOf(state, index, panelTotals(state, base)), previous);
  entry.byHidden.set(hidden, fresh);
  previous = fresh;
  previousFrom = { state, hidden, base, index };
  return fresh;
}

/** Each changed file as it was and as it is, undefined where it is not in sight (gone, or hidden). */
function changedVisible(
  before: UploadState,
  next: UploadState,
  changed: readonly string[],
  hidden: ReadonlySet<string>,
) {
  return changed.map((id) =>
    hidden.has(id) ? { before: undefined, after: undefined } : { before: before.files[id], after: next.files[id] },
  );
}

function visibleFiles(state: UploadState, hidden: ReadonlySet<string>): FileState[] {
  const visible: FileState[] = [];
  for (const id of state.order) {
    const file = state.files[id];
    if (file && !hidden.has(id)) visible.push(file);
  }
  return visible;
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

/** 1-based place in the waiting order, or null for a file not waiting; O(1) per row after the first. */
export function queuePosition(state: UploadState, id: string): number | null {
  const index = positionsOf(state.queue).get(id);
  return index === undefined ? null : index + 1;
}

/**
 * The panel's pieces from the index: files of a selection still being added (in slices) count from
 * the start, as queued: the totals (panelTotals) and the tab counts say how many were picked, not how
 * many are in so far.
 */
function panelOf(state: UploadState, index: PanelIndex, totals: PanelTotals): LocalPanel {
  const counts = { ...index.counts };
  const batches = new Map<string, Batch>();
  for (const [batchId, tally] of index.batches) batches.set(batchId, { ...tally });
  for (const [batchId, adding] of Object.entries(state.adding)) {
    counts.all += adding.files;
    counts.active += adding.files;
    const batch = batches.get(batchId) ?? { jobs: new Map(), unregistered: 0, unfinished: 0 };
    batches.set(batchId, { ...batch, unregistered: batch.unregistered + adding.files });
  }
  return { rows: index.rows, counts, batches: batchStatuses(state, batches), totals };
}

type Batch = BatchTally;

/** The engine's totals over the visible files, with the files of selections still being added counted as queued. */
function panelTotals(state: UploadState, base: Totals): PanelTotals {
  const totals: PanelTotals = { ...base, addingCount: 0 };
  for (const adding of Object.values(state.adding)) {
    totals.totalCount += adding.files;
    totals.queuedCount += adding.files;
    if (adding.paused) totals.pausedCount += adding.files;
    else totals.sendingCount += adding.files;
    totals.addingCount += adding.files;
  }
  return totals;
}

function batchStatuses(state: UploadState, batches: Map<string, Batch>): string[] {
  const out: string[] = [];
  for (const [batchId, batch] of batches) {
    if (batch.jobs.size === 0 && batch.unregistered === 0) continue; // refused before any job
    const counts = emptyCounts();
    counts.totalCount = counts.queuedCount = batch.unregistered;
    for (const jobId of batch.jobs.keys()) {
      const job = state.jobs[jobId];
      if (!job) continue;
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += job[key];
    }
    const status = deriveJobStatus(counts);
    // Never shown finished while a file of it waits to be picked again (the server still counts it).
    out.push(`${batchId}:${batch.unfinished > 0 && isTerminalJob(status) ? "IN_PROGRESS" : status}`);
  }
  return out;
}

/** The previous facts worked out, and from which state: the next state's are moved by its changed files. */
let previousFacts: { state: UploadState; facts: FileFacts } | null = null;

function factsOf(state: UploadState): FileFacts {
  const entry = entryOf(state);
  if (entry.facts) return entry.facts;
  const changed = previousFacts && changedFiles(previousFacts.state.files, state.files);
  const before = changed ? previousFacts!.facts : null;
  const moved = before && changed ? moveTally(before.tally, previousFacts!.state, state, changed) : null;
  const tally = moved?.tally ?? countTally(state);
  // The job strings are joined again only when a job came, went, or started or stopped being active.
  const keep = before && moved && !moved.jobsChanged;
  entry.facts = {
    ownJobs: keep ? before.ownJobs : joinJobs(tally, () => true),
    activeJobs: keep ? before.activeJobs : joinJobs(tally, (job) => job.active > 0),
    sending: tally.sending > 0,
    tally,
  };
  previousFacts = { state, facts: entry.facts };
  return entry.facts;
}

function countTally(state: UploadState): FactTally {
  const jobs = new Map<string, { files: number; active: number }>();
  let sending = 0;
  for (const file of Object.values(state.files)) sending += tallyFile(jobs, file, 1);
  return { jobs, sending };
}

function moveTally(
  tally: FactTally,
  before: UploadState,
  next: UploadState,
  changed: readonly string[],
): { tally: FactTally; jobsChanged: boolean } {
  let jobs: Map<string, { files: number; active: number }> | null = null;
  let sending = tally.sending;
  for (const id of changed) {
    const a = before.files[id];
    const b = next.files[id];
    if (a === b) continue;
    const moves =
      !a ||
      !b ||
      a.jobId !== b.jobId ||
      isTerminalPhoto(a.status) !== isTerminalPhoto(b.status) ||
      a.paused !== b.paused;
    if (!moves && isAwaitingBytes(a.status) === isAwaitingBytes(b.status)) continue;
    // Copied once per flush that moves a job's figures (a few jobs at most), never per file.
    jobs ??= new Map([...tally.jobs].map(([jobId, job]) => [jobId, { ...job }]));
    if (a) sending += tallyFile(jobs, a, -1);
    if (b) sending += tallyFile(jobs, b, 1);
  }
  if (!jobs) return { tally: sending === tally.sending ? tally : { jobs: tally.jobs, sending }, jobsChanged: false };
  for (const [jobId, job] of jobs) if (job.files === 0) jobs.delete(jobId);
  const jobsChanged =
    jobs.size !== tally.jobs.size ||
    [...jobs].some(([jobId, job]) => {
      const old = tally.jobs.get(jobId);
      return old === undefined || old.active > 0 !== job.active > 0;
    });
  return { tally: { jobs, sending }, jobsChanged };
}

/** Counts one file in (sign 1) or out (-1); returns its share of the files sending. */
function tallyFile(jobs: Map<string, { files: number; active: number }>, file: FileState, sign: 1 | -1): number {
  if (file.jobId) {
    const job = jobs.get(file.jobId) ?? { files: 0, active: 0 };
    job.files += sign;
    if (!isTerminalPhoto(file.status)) job.active += sign;
    jobs.set(file.jobId, job);
  }
  return isAwaitingBytes(file.status) && !file.paused ? sign : 0;
}

function joinJobs(tally: FactTally, include: (job: { files: number; active: number }) => boolean): string {
  return [...tally.jobs]
    .filter(([, job]) => include(job))
    .map(([jobId]) => jobId)
    .sort()
    .join(",");
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
