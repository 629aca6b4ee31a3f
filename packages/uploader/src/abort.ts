/**
 * Small AbortSignal helpers. Written out so the engine needs neither AbortSignal.any (Safari < 17.4)
 * nor Node's setMaxListeners: a file's signal is watched by every request of every part, so all
 * watchers share one native listener per signal (`onAbort`), instead of one each.
 */

import { type Clock, systemClock } from "./clock.js";

const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts. Returns a function that stops watching. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let set = watchers.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    watchers.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        for (const cb of [...created]) cb();
        created.clear();
      },
      { once: true },
    );
    set = created;
  }
  const own = set;
  own.add(callback);
  return () => {
    own.delete(callback);
  };
}

/** A signal that aborts when any of `signals` does, with that signal's reason. Call `dispose` when done. */
export function linkSignals(...signals: AbortSignal[]): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const already = signals.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const stops = signals.map((s) => onAbort(s, () => controller.abort(s.reason)));
  const dispose = () => {
    for (const stop of stops) stop();
  };
  return { signal: controller.signal, dispose };
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const stop = onAbort(signal, () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    });
    const timer = clock.setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}

/** Races a promise against a signal, so a caller can stop waiting for shared work it does not own. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}
