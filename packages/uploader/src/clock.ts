/**
 * Time as the engine sees it: what time it is and a way to be called back later. Every wait the
 * engine makes — backoff between tries, stall detection, URL expiry — goes through one of these,
 * so tests drive time instead of sleeping through it, and a slow machine cannot make a test
 * stall out.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
