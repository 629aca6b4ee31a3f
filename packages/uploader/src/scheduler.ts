import { type Clock, systemClock } from "./clock.js";
import { HIDDEN_FLUSH_MS, PROGRESS_FLUSH_MS, SETTLED_FLUSH_MS, STORE_FLUSH_GAP_MS } from "./constants.js";

/** Runs a callback "soon": once per animation frame in a browser, on the next turn in Node. */
export type FrameScheduler = (callback: () => void) => void;

/** How the store writer flushes: any write, writes that only move bytes, and writes while the engine is quiet. */
export type StoreSchedulers = { write: FrameScheduler; progress: FrameScheduler; settled: FrameScheduler };

type FrameGlobals = { requestAnimationFrame?: (cb: () => void) => number };

/**
 * In a browser: browserSchedulers on the page's animation frames. In Node: on the next turn
 * (setImmediate, after I/O callbacks, so one turn's progress events coalesce). Looked up when
 * called, never at import.
 */
export function defaultSchedulers(): StoreSchedulers {
  const g = globalThis as FrameGlobals;
  if (typeof g.requestAnimationFrame !== "function") {
    const turn: FrameScheduler =
      typeof setImmediate === "function" ? (callback) => setImmediate(callback) : (callback) => setTimeout(callback, 0);
    return { write: turn, progress: turn, settled: turn };
  }
  return browserSchedulers(g.requestAnimationFrame.bind(globalThis));
}

/**
 * A write reaches the store on the first animation frame at least STORE_FLUSH_GAP_MS after the
 * previous flush; byte progress alone PROGRESS_FLUSH_MS after it was made (then the same way); a
 * write while the engine is quiet at least SETTLED_FLUSH_MS after the previous settled flush (then
 * the same way): a lone one at once, a burst once per SETTLED_FLUSH_MS.
 */
export function browserSchedulers(raf: (callback: () => void) => unknown, clock: Clock = systemClock): StoreSchedulers {
  const write = pacedScheduler(frameScheduler(raf, clock), STORE_FLUSH_GAP_MS, clock);
  return {
    write,
    progress: (callback) => {
      clock.setTimeout(() => write(callback), PROGRESS_FLUSH_MS);
    },
    settled: pacedScheduler(write, SETTLED_FLUSH_MS, clock),
  };
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
 * a second later still reads as immediate.
 */
export function pacedScheduler(frame: FrameScheduler, gapMs: number, clock: Clock): FrameScheduler {
  let last = Number.NEGATIVE_INFINITY;
  return (callback) => {
    const run = () =>
      frame(() => {
        last = clock.now();
        callback();
      });
    const wait = last + gapMs - clock.now();
    if (wait > 0) clock.setTimeout(run, wait);
    else run();
  };
}
