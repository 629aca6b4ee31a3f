import { type Clock, systemClock } from "./clock.js";
import {
  HIDDEN_FLUSH_MS,
  PROGRESS_FLUSH_MS,
  SETTLED_FLUSH_MS,
  STORE_FLUSH_GAP_FILES,
  STORE_FLUSH_GAP_MAX_MS,
  STORE_FLUSH_GAP_MS,
} from "./constants.js";

/** Runs a callback "soon": once per animation frame in a browser, on the next turn in Node. */
export type FrameScheduler = (callback: () => void) => void;

/** How the store writer flushes: any write, writes that only move bytes, and writes while the engine is quiet. */
export type StoreSchedulers = { write: FrameScheduler; progress: FrameScheduler; settled: FrameScheduler };

type FrameGlobals = { requestAnimationFrame?: (cb: () => void) => number };

/**
 * In a browser: browserSchedulers on the page's animation frames, paced by `files` (the number of
 * files in the store). In Node: on the next turn (setImmediate, after I/O callbacks, so one turn's
 * progress events coalesce). Looked up when called, never at import.
 */
export function defaultSchedulers(files: () => number): StoreSchedulers {
  const g = globalThis as FrameGlobals;
  if (typeof g.requestAnimationFrame !== "function") {
    const turn: FrameScheduler =
      typeof setImmediate === "function" ? (callback) => setImmediate(callback) : (callback) => setTimeout(callback, 0);
    return { write: turn, progress: turn, settled: turn };
  }
  return browserSchedulers(g.requestAnimationFrame.bind(globalThis), systemClock, files);
}

/**
 * A write reaches the store on the first animation frame at least storeFlushGapMs(files()) after the
 * previous flush (STORE_FLUSH_GAP_MS up to STORE_FLUSH_GAP_FILES files); byte progress alone
 * PROGRESS_FLUSH_MS after it was made (then the same way); a write while the engine is quiet at
 * least SETTLED_FLUSH_MS after the previous settled flush (then the same way): a lone one at once, a
 * burst once per SETTLED_FLUSH_MS. `files` is read each time a write is scheduled, so the gap follows
 * a selection as it is added.
 */
export function browserSchedulers(
  raf: (callback: () => void) => unknown,
  clock: Clock,
  files: () => number,
): StoreSchedulers {
  const write = pacedScheduler(frameScheduler(raf, clock), () => storeFlushGapMs(files()), clock);
  return {
    write,
    progress: (callback) => {
      clock.setTimeout(() => write(callback), PROGRESS_FLUSH_MS);
    },
    settled: pacedScheduler(write, SETTLED_FLUSH_MS, clock),
  };
}

/**
 * The least time between two store flushes with this many files in the store: STORE_FLUSH_GAP_MS,
 * and past STORE_FLUSH_GAP_FILES files that much per STORE_FLUSH_GAP_FILES files, up to
 * STORE_FLUSH_GAP_MAX_MS. A flush copies the whole `files` record, so fewer flushes as it grows
 * keep the copying per second (and the garbage it makes) what it is at STORE_FLUSH_GAP_FILES.
 */
export function storeFlushGapMs(files: number): number {
  const grown = (STORE_FLUSH_GAP_MS * files) / STORE_FLUSH_GAP_FILES;
  return Math.min(STORE_FLUSH_GAP_MAX_MS, Math.max(STORE_FLUSH_GAP_MS, grown));
}

/**
 * The next animation frame, with a timer as a fallback because background tabs get no frames (the
 * store still reaches subscribers that are not rendering: notifications, persistence).
 */
export function frameScheduler(raf: (callback: () => void) => unknown, clock: Clock = systemClock): FrameScheduler {
  return (callback) => {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      callback();
    };
    const timer = clock.setTimeout(once, HIDDEN_FLUSH_MS);
    raf(once);
  };
}

/**
 * `frame`, but never sooner than `gapMs` after the last callback it ran: asked again too soon, it
 * waits out the rest of the gap, then for a frame. Pushes and status changes for 1,000 files come
 * a few milliseconds apart; each flush re-renders the panel and makes the browser draw a frame,
 * so flushing on every frame costs more main-thread time than the upload itself, while a tenth of
 * a second later still reads as immediate. A gap given as a function is read at each request (it
 * grows with the files in the store, storeFlushGapMs).
 */
export function pacedScheduler(frame: FrameScheduler, gapMs: number | (() => number), clock: Clock): FrameScheduler {
  let last = Number.NEGATIVE_INFINITY;
  return (callback) => {
    const run = () =>
      frame(() => {
        last = clock.now();
        callback();
      });
    const gap = typeof gapMs === "number" ? gapMs : gapMs();
    const wait = last + gap - clock.now();
    if (wait > 0) clock.setTimeout(run, wait);
    else run();
  };
}
