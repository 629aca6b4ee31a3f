import type { Clock } from "./clock.js";
import { ADD_SLICE_BUDGET_MS, ADD_SLICE_FILES, FIRST_ADD_SLICE_FILES } from "./constants.js";
import type { UploadSource } from "./source.js";

/**
 * Adds a large selection in slices. Recording a file costs the first read of its size, which in
 * Chromium is a round trip to the browser process (~80 µs a file: 0.8 s for 10,000 files, in one
 * task if done at once, and the first request waits for all of it). So the first files of a
 * selection are recorded at once, in the task that picked them (the first job is made of them),
 * and the rest in later tasks of a few milliseconds each, in order; the selection stays one batch
 * and the store says from the start how many files are still being added (`UploadState.adding`).
 */

/** Runs a callback in a later task, once the page has had its turn (input, network, paint). */
export type TaskScheduler = (callback: () => void) => void;

export type AddSlicePolicy = {
  /** Files recorded at once, in the task of the `add` call (within `budgetMs` too). */
  first: number;
  /** At most this many files per later task… */
  files: number;
  /** …and no more once the task has run this long (ms; checked every few files). */
  budgetMs: number;
};

export const DEFAULT_ADD_SLICES: AddSlicePolicy = {
  first: FIRST_ADD_SLICE_FILES,
  files: ADD_SLICE_FILES,
  budgetMs: ADD_SLICE_BUDGET_MS,
};

/** Files of one `add` call not recorded yet: `sources[next…]`, whose ids `add` already returned. */
export type PendingAdd = {
  batchId: string;
  priority: number;
  addedAt: number;
  sources: readonly UploadSource[];
  ids: readonly string[];
  next: number;
  /** Pause-all came while they waited: they are recorded paused. */
  paused: boolean;
};

/** Per batch: files selected but not in the store yet, and whether they will come in paused. */
export type AddingState = Readonly<Record<string, { files: number; paused: boolean }>>;

export type SlicedAddsDeps = {
  policy: AddSlicePolicy;
  schedule: TaskScheduler;
  clock: Clock;
  /** Records `add.sources[from…to)` (the engine's per-file work). */
  record(add: PendingAdd, from: number, to: number): void;
  /** A slice ended, or what is left to add changed (the store's `adding`): files recorded go on. */
  changed(adding: AddingState): void;
  /** Counts selections still being added, so `whenIdle` waits for them. */
  busy(delta: 1 | -1): void;
};

/** Files recorded between two looks at the clock (a size read took 80 µs to 2.5 ms a file). */
const CLOCK_EVERY = 4;
/**
 * Files a slice records whatever the clock says (~2.5 ms of size reads on a quiet machine). With a
 * budget alone, on the shared 2-core machine at load 13-17, a 1,000-file selection still had 832
 * files to add 3 s after its first byte.
 */
const MIN_SLICE_FILES = 24;

export class SlicedAdds {
  /** In the order added; the first is being worked through. */
  #pending: PendingAdd[] = [];
  #scheduled = false;
  #stopped = false;

  constructor(private readonly deps: SlicedAddsDeps) {}

  /**
   * Records the first files now (unless an earlier selection is still being added: then all of
   * them wait their turn, so files stay in the order picked) and the rest in later tasks.
   */
  add(add: PendingAdd): void {
    if (this.#stopped || add.next >= add.sources.length) return;
    const first = this.#pending.length === 0;
    this.#pending.push(add);
    this.deps.busy(1);
    // Within the same time budget as any slice: right after a pick of thousands of files the
    // browser process is busy with them, and a first read of a size took ~2.5 ms a file then.
    if (first) this.#slice(this.deps.policy.first, this.deps.policy.budgetMs);
    else this.#changed();
    this.#schedule();
  }

  get idle(): boolean {
    return this.#pending.length === 0;
  }

  /** Pause-all or resume-all: the files still to come follow it. */
  setPaused(paused: boolean): void {
    if (this.#pending.length === 0) return;
    for (const add of this.#pending) add.paused = paused;
    this.#changed();
  }

  /** Cancel-all or destroy: the files still to come are never added. Returns how many were dropped. */
  drop(): number {
    let dropped = 0;
    for (const add of this.#pending.splice(0)) {
      dropped += add.sources.length - add.next;
      this.deps.busy(-1);
    }
    if (dropped > 0) this.#changed();
    return dropped;
  }

  /** Records everything still to come now, in this task (the page is about to go away). */
  finish(): void {
    this.#slice(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  stop(): void {
    this.#stopped = true;
    this.drop();
  }

  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0 || this.#stopped) return;
    this.#scheduled = true;
    this.deps.schedule(() => {
      this.#scheduled = false;
      if (this.#stopped) return;
      this.#slice(this.deps.policy.files, this.deps.policy.budgetMs);
      this.#schedule();
    });
  }

  #slice(maxFiles: number, budgetMs: number): void {
    if (this.#pending.length === 0) return;
    const { clock } = this.deps;
    const start = clock.now();
    let left = maxFiles;
    let finished = 0;
    while (left > 0 && this.#pending.length > 0) {
      const add = this.#pending[0]!;
      const to = Math.min(add.sources.length, add.next + Math.min(left, CLOCK_EVERY));
      this.deps.record(add, add.next, to);
      left -= to - add.next;
      add.next = to;
      if (add.next >= add.sources.length) {
        this.#pending.shift();
        finished++;
      }
      // At least MIN_SLICE_FILES before the budget counts: on a loaded machine a few milliseconds
      // of wall time hold a handful of files, and a selection would take seconds to come in.
      if (maxFiles - left >= MIN_SLICE_FILES && clock.now() - start >= budgetMs) break;
    }
    this.#changed();
    // Only once the slice's files are handed on (#changed: to registration): a selection whose last
    // slice came in while nothing was left to send was otherwise idle for a moment, and whenIdle
    // resolved before the last files' job was even asked for.
    for (; finished > 0; finished--) this.deps.busy(-1);
  }

  #changed(): void {
    const adding: Record<string, { files: number; paused: boolean }> = {};
    for (const add of this.#pending) {
      const files = add.sources.length - add.next + (adding[add.batchId]?.files ?? 0);
      adding[add.batchId] = { files, paused: add.paused };
    }
    this.deps.changed(adding);
  }
}

/**
 * A later task, as soon as the page has had its turn: `scheduler.postTask` at its default
 * ("user-visible") priority where the browser has it; in Node setImmediate; else a MessageChannel
 * message (not clamped like a nested setTimeout); else setTimeout. Not "background": in a CPU
 * profile of a 10,000-file selection in headless Chromium no background slice ran in the 5 s after
 * the pick while the page rendered and sent (the first byte went out; the rest was never added).
 */
export function defaultTaskScheduler(): TaskScheduler {
  const g = globalThis as unknown as {
    scheduler?: { postTask?: (cb: () => void, o: { priority: string }) => Promise<unknown> };
    MessageChannel?: new () => { port1: Port; port2: Port };
    setImmediate?: (cb: () => void) => unknown;
  };
  const postTask = g.scheduler?.postTask?.bind(g.scheduler);
  if (postTask) return (callback) => void postTask(callback, { priority: "user-visible" }).catch(() => {});
  const immediate = g.setImmediate;
  if (typeof immediate === "function") return (callback) => void immediate(callback);
  if (g.MessageChannel) {
    const channel = new g.MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return (callback) => {
      waiting.push(callback);
      channel.port2.postMessage(null);
    };
  }
  return (callback) => void setTimeout(callback, 0);
}

/** The part of a MessagePort used here (the DOM's and Node's types differ). */
type Port = { onmessage: ((event: unknown) => void) | null; postMessage(message: unknown): void };
