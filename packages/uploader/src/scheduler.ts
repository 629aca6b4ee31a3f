import { HIDDEN_FLUSH_MS, PROGRESS_FLUSH_MS } from "./constants.js";

/** Runs a callback "soon": once per animation frame in a browser, on the next turn in Node. */
export type FrameScheduler = (callback: () => void) => void;

type FrameGlobals = { requestAnimationFrame?: (cb: () => void) => number };

/**
 * requestAnimationFrame where there is one, with a timer as a fallback because background tabs get
 * no frames; setImmediate in Node (after I/O callbacks, so one turn's progress events coalesce).
 * Looked up when called, never at import.
 */
export function defaultScheduler(): FrameScheduler {
  const g = globalThis as FrameGlobals;
  if (typeof g.requestAnimationFrame === "function") {
    const raf = g.requestAnimationFrame.bind(globalThis);
    return (callback) => {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        callback();
      };
      const timer = setTimeout(once, HIDDEN_FLUSH_MS);
      raf(once);
    };
  }
  if (typeof setImmediate === "function") return (callback) => setImmediate(callback);
  return (callback) => setTimeout(callback, 0);
}

/**
 * For writes that only move bytes: in a browser, the first frame after PROGRESS_FLUSH_MS (or the
 * timer alone in a background tab); in Node, the same as defaultScheduler.
 */
export function defaultProgressScheduler(): FrameScheduler {
  const frame = defaultScheduler();
  const g = globalThis as FrameGlobals;
  if (typeof g.requestAnimationFrame !== "function") return frame;
  return (callback) => {
    setTimeout(() => frame(callback), PROGRESS_FLUSH_MS);
  };
}
