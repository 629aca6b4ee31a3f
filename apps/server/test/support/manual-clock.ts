import type { Clock } from "../../src/realtime/clock.js";

/** A clock that moves only when told: `advance` runs the timers that came due, `set` runs none. */
export function manualClock(start = Date.now()) {
  let now = start;
  const timers = new Set<{ at: number; callback: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout(callback, ms) {
      const timer = { at: now + ms, callback };
      timers.add(timer);
      return () => timers.delete(timer);
    },
  };
  return {
    clock,
    /** Time passes as if the process were busy: nothing fires. */
    set(to: number) {
      now = to;
    },
    advance(ms: number) {
      now += ms;
      for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
        if (timer.at > now || !timers.has(timer)) continue;
        timers.delete(timer);
        timer.callback();
      }
    },
  };
}
