import { vi } from "vitest";
import type { ObjectStorage } from "../../src/storage/storage.js";

/**
 * Holds the storage writes whose key matches until `release`: the processing worker stopped between
 * processing a photo and recording it, so a test can change the photo meanwhile. `reached` settles
 * at the first held write. `restore` releases and puts `write` back (call it in a `finally`).
 */
export function holdWrites(storage: ObjectStorage, matches: (key: string) => boolean) {
  let reachedNow = () => {};
  const reached = new Promise<void>((resolve) => {
    reachedNow = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const write = storage.write.bind(storage);
  const spy = vi.spyOn(storage, "write").mockImplementation(async (key, ...rest) => {
    if (matches(key)) {
      reachedNow();
      await released;
    }
    return write(key, ...rest);
  });
  return {
    reached,
    release,
    restore() {
      release();
      spy.mockRestore();
    },
  };
}
