/** Time as the realtime broker sees it; tests pass a manual one to reach a token's expiry at once. */
export type Clock = {
  now(): number;
  /** Runs `callback` after `ms`; returns the cancel function. */
  setTimeout(callback: () => void, ms: number): () => void;
};

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms).unref();
    return () => clearTimeout(timer);
  },
};
