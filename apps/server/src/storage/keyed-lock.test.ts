import { describe, expect, it } from "vitest";
import { createKeyedLock } from "./keyed-lock.js";

describe("keyed lock", () => {
  it("runs work for one key one at a time, in order, and other keys alongside", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    let releaseFirst!: () => void;
    const first = lock("a", async () => {
      events.push("a1 start");
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      events.push("a1 end");
    });
    const second = lock("a", async () => {
      events.push("a2");
    });
    await lock("b", async () => {
      events.push("b");
    });
    expect(events).toEqual(["a1 start", "b"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(["a1 start", "b", "a1 end", "a2"]);
  });

  it("passes results and failures to their caller without blocking the next holder", async () => {
    const lock = createKeyedLock();
    await expect(lock("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock("k", async () => 42)).resolves.toBe(42);
  });
});
