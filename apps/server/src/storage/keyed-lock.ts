/**
 * Serialises async work per key inside this process. The disk adapter uses it so that a reader
 * never sees an object's bytes and sidecar from two different writes, and so that abort, complete
 * and part commits of one multipart upload never interleave. (Disk storage is the single-instance
 * default; several instances share S3, not a directory.)
 */
export type KeyedLock = <T>(key: string, work: () => Promise<T>) => Promise<T>;

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return async (key, work) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(() => work());
    // The stored tail never rejects, so one failed holder does not fail the next.
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
