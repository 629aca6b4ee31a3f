import { isTerminalPhoto } from "@rapidphoto/protocol";
import type { FileState, UploadState } from "@rapidphoto/uploader";
import { attentionRank, emptyTabCounts, inTab, PANEL_TABS, type PanelTab, type TabCounts } from "./panel-rows";

/**
 * The panel's rows, tab counts and per-batch figures of this tab's files (local-panel.ts turns them
 * into what the panel shows), kept so that the next store state's are moved by the files its flushes
 * changed (changedFiles) and the files that joined or left the waiting order, instead of worked out
 * again from every file: a 10,000-file selection flushes ten times a second while it sends, and a
 * walk over every file per flush was the panel's whole cost.
 *
 * Per tab, a file is in one of four lists: running (not finished and not in the waiting order),
 * waiting (the waiting order, kept in its order), failed, and the rest; the three that are not the
 * waiting order are kept in the order the files were added.
 */
export type PanelIndex = {
  /** What the index was made for: a state with another order or hidden set is indexed afresh. */
  readonly order: readonly string[];
  readonly queue: readonly string[];
  readonly hidden: ReadonlySet<string>;
  /** Per tab: [running, failed, rest] (each in the order added) and the waiting ones (in queue order). */
  readonly lists: Readonly<Record<PanelTab, readonly [readonly string[], readonly string[], readonly string[]]>>;
  readonly waiting: Readonly<Record<PanelTab, readonly string[]>>;
  /** Per tab: running, waiting, failed, rest in one list; the same array while none of the four changed. */
  readonly rows: Readonly<Record<PanelTab, readonly string[]>>;
  /** The tab counts of the files in the store (files still being added are not counted here). */
  readonly counts: Readonly<TabCounts>;
  /** Per batch, in the order its first file was added. */
  readonly batches: ReadonlyMap<string, BatchTally>;
};

/** A batch's files: how many in each job, how many not registered yet, how many waiting for their file again. */
export type BatchTally = { jobs: ReadonlyMap<string, number>; unregistered: number; unfinished: number };

/** The waiting order's list (the others are attentionRank's 0, 1, 2: running, failed, the rest). */
const WAITING = -1;
type Place = { tabs: readonly PanelTab[]; list: 0 | 1 | 2 | typeof WAITING } | null;

const positionCache = new WeakMap<readonly string[], Map<string, number>>();

/**
 * Each id's index in a list (the order added, or the waiting order), made once per list. Set one by
 * one: `new Map(ids.map(…))` made an [id, index] pair per id first, and with a new waiting order at
 * nearly every flush those pairs lived long enough to reach the old generation (browser-profile
 * --mode alloc: 7 of the panel's 57 MB in a 3,000-file upload).
 */
export function positionsOf(ids: readonly string[]): Map<string, number> {
  let positions = positionCache.get(ids);
  if (!positions) {
    positions = new Map();
    for (let index = 0; index < ids.length; index++) positions.set(ids[index] as string, index);
    positionCache.set(ids, positions);
  }
  return positions;
}

/** A file the library already had ("Already in library") is listed under All only: it was neither uploaded nor failed. */
function fileInTab(tab: PanelTab, file: FileState): boolean {
  return file.duplicateOf ? tab === "all" : inTab(tab, file.status);
}

function placeOf(file: FileState | undefined, hidden: ReadonlySet<string>, waiting: boolean): Place {
  if (!file || hidden.has(file.id)) return null;
  const tabs = PANEL_TABS.filter((tab) => fileInTab(tab, file));
  return { tabs, list: waiting ? WAITING : attentionRank(file.status) };
}

/** The index worked out from every file. */
export function buildIndex(state: UploadState, hidden: ReadonlySet<string>): PanelIndex {
  const counts = emptyTabCounts();
  const lists = {} as Record<PanelTab, [string[], string[], string[]]>;
  for (const tab of PANEL_TABS) lists[tab] = [[], [], []];
  const batches = new Map<string, BatchTally>();
  const queued = positionsOf(state.queue);
  for (const id of state.order) {
    const file = state.files[id];
    const place = placeOf(file, hidden, queued.has(id));
    if (!file || !place) continue;
    for (const tab of place.tabs) {
      counts[tab]++;
      if (place.list !== WAITING) lists[tab][place.list].push(id);
    }
    let batch = batches.get(file.batchId);
    if (!batch) {
      batch = { jobs: new Map(), unregistered: 0, unfinished: 0 };
      batches.set(file.batchId, batch);
    }
    countInBatch(batch as MutableTally, file, 1);
  }
  const waiting = waitingLists(state, hidden);
  const rows = {} as Record<PanelTab, readonly string[]>;
  for (const tab of PANEL_TABS) rows[tab] = joinRows(lists[tab], waiting[tab]);
  return { order: state.order, queue: state.queue, hidden, lists, waiting, rows, counts, batches };
}

/**
 * `index` (made for `before`) moved to `next`, looking only at the files that changed and those that
 * joined or left the waiting order; null when that cannot be done (another order or hidden set, a
 * batch not seen before), and the caller builds the index afresh.
 */
export function moveIndex(
  index: PanelIndex,
  before: UploadState,
  next: UploadState,
  changed: readonly string[],
): PanelIndex | null {
  if (index.order !== next.order || index.queue !== before.queue) return null;
  const hidden = index.hidden;
  const queueMoved = before.queue !== next.queue;
  const touched = queueMoved ? new Set([...changed, ...queueDifference(before.queue, next.queue)]) : changed;
  const wasQueued = positionsOf(before.queue);
  const isQueued = positionsOf(next.queue);
  const order = positionsOf(next.order);
  let counts: TabCounts | null = null;
  let batches: Map<string, BatchTally> | null = null;
  const lists = { ...index.lists } as Record<PanelTab, [string[], string[], string[]]>;
  // Copied on first write in this move, so the index moved from is left as it was.
  const copied = new Set<object>();
  const listOf = (tab: PanelTab, list: 0 | 1 | 2): string[] => {
    if (!copied.has(lists[tab])) {
      lists[tab] = [...lists[tab]] as [string[], string[], string[]];
      copied.add(lists[tab]);
    }
    let ids = lists[tab][list];
    if (!copied.has(ids)) {
      ids = lists[tab][list] = ids.slice();
      copied.add(ids);
    }
    return ids;
  };
  let waitingTouched = queueMoved;
  for (const id of touched) {
    const a = before.files[id];
    const b = next.files[id];
    const from = placeOf(a, hidden, wasQueued.has(id));
    const to = placeOf(b, hidden, isQueued.has(id));
    if (from?.list === WAITING || to?.list === WAITING) waitingTouched = true;
    if (!samePlace(from, to)) {
      const at = order.get(id) ?? -1;
      for (const tab of from?.tabs ?? [])
        if (from?.list !== WAITING) remove(listOf(tab, from!.list as 0 | 1 | 2), at, order);
      for (const tab of to?.tabs ?? [])
        if (to?.list !== WAITING) insert(listOf(tab, to!.list as 0 | 1 | 2), id, at, order);
      if (!sameTabs(from, to)) {
        counts ??= { ...index.counts };
        for (const tab of from?.tabs ?? []) counts[tab]--;
        for (const tab of to?.tabs ?? []) counts[tab]++;
      }
    }
    if (a !== b && !sameBatchShare(a, b, hidden)) {
      batches ??= new Map(index.batches);
      for (const [file, sign] of [
        [a, -1],
        [b, 1],
      ] as const) {
        if (!file || hidden.has(id)) continue;
        const batch = batches.get(file.batchId);
        if (!batch) return null; // a batch first seen here: its place among the others is the order's
        batches.set(file.batchId, tallyBatch(batch, file, sign));
      }
    }
  }
  const waiting = waitingTouched ? waitingLists(next, hidden) : index.waiting;
  const rows = {} as Record<PanelTab, readonly string[]>;
  for (const tab of PANEL_TABS) {
    const same = lists[tab] === index.lists[tab] && sameList(waiting[tab], index.waiting[tab]);
    rows[tab] = same ? index.rows[tab] : joinRows(lists[tab], waiting[tab]);
  }
  return {
    order: next.order,
    queue: next.queue,
    hidden,
    lists,
    waiting,
    rows,
    counts: counts ?? index.counts,
    batches: batches ?? index.batches,
  };
}

/** Ids in exactly one of two waiting orders (a file started, or was queued). */
function queueDifference(a: readonly string[], b: readonly string[]): string[] {
  const inA = positionsOf(a);
  const inB = positionsOf(b);
  return [...a.filter((id) => !inB.has(id)), ...b.filter((id) => !inA.has(id))];
}

function waitingLists(state: UploadState, hidden: ReadonlySet<string>): Record<PanelTab, readonly string[]> {
  const waiting = {} as Record<PanelTab, string[]>;
  for (const tab of PANEL_TABS) waiting[tab] = [];
  for (const id of state.queue) {
    const file = state.files[id];
    if (!file || hidden.has(id)) continue;
    for (const tab of PANEL_TABS) if (fileInTab(tab, file)) waiting[tab].push(id);
  }
  return waiting;
}

function joinRows(
  lists: readonly [readonly string[], readonly string[], readonly string[]],
  waiting: readonly string[],
) {
  const [running, failed, rest] = lists;
  return running.concat(waiting, failed, rest);
}

function samePlace(a: Place, b: Place): boolean {
  return a === b || (a !== null && b !== null && a.list === b.list && sameTabs(a, b));
}

function sameTabs(a: Place, b: Place): boolean {
  const x = a?.tabs ?? [];
  const y = b?.tabs ?? [];
  return x.length === y.length && x.every((tab, i) => tab === y[i]);
}

/** Index in a list kept in the order added of the first id added at or after `at`. */
function lowerBound(ids: readonly string[], at: number, order: ReadonlyMap<string, number>): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order.get(ids[mid] as string) ?? -1) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(ids: string[], id: string, at: number, order: ReadonlyMap<string, number>): void {
  ids.splice(lowerBound(ids, at, order), 0, id);
}

function remove(ids: string[], at: number, order: ReadonlyMap<string, number>): void {
  const i = lowerBound(ids, at, order);
  if ((order.get(ids[i] as string) ?? -2) === at) ids.splice(i, 1);
}

/** A file's share of its batch's figures (tallyBatch) is the same before and after. */
function sameBatchShare(a: FileState | undefined, b: FileState | undefined, hidden: ReadonlySet<string>): boolean {
  if (!a || !b) return a === b;
  if (hidden.has(a.id)) return true;
  return (
    a.batchId === b.batchId &&
    a.jobId === b.jobId &&
    a.needsFile === b.needsFile &&
    isTerminalPhoto(a.status) === isTerminalPhoto(b.status)
  );
}

type MutableTally = { jobs: Map<string, number>; unregistered: number; unfinished: number };

/** The batch with one file counted in (sign 1) or out (-1); a new object, `batch` is left as it was. */
function tallyBatch(batch: BatchTally, file: FileState, sign: 1 | -1): BatchTally {
  const copy: MutableTally = { ...batch, jobs: new Map(batch.jobs) };
  countInBatch(copy, file, sign);
  return copy;
}

function countInBatch(batch: MutableTally, file: FileState, sign: 1 | -1): void {
  const terminal = isTerminalPhoto(file.status);
  if (file.needsFile && !terminal) batch.unfinished += sign;
  if (file.jobId) {
    const count = (batch.jobs.get(file.jobId) ?? 0) + sign;
    if (count > 0) batch.jobs.set(file.jobId, count);
    else batch.jobs.delete(file.jobId);
  } else if (!terminal) batch.unregistered += sign;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((value, i) => value === b[i]));
