import { describe, expect, it } from "vitest";
import { ManualClock } from "../test/support/manual-clock.js";
import { PROGRESS_FLUSH_MS, SETTLED_FLUSH_MS, STORE_FLUSH_GAP_MS } from "./constants.js";
import { browserSchedulers, frameScheduler, pacedScheduler } from "./scheduler.js";

/** Animation frames that come only when the test says so. */
function manualFrames() {
  const pending: (() => void)[] = [];
  return {
    raf: (callback: () => void) => pending.push(callback),
    frame: () => {
      for (const callback of pending.splice(0)) callback();
    },
    get pending() {
      return pending.length;
    },
  };
}

describe("pacedScheduler", () => {
  it("runs a first request on the next frame", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const schedule = pacedScheduler(frameScheduler(frames.raf, clock), 100, clock);
    const runs: number[] = [];
    schedule(() => runs.push(clock.now()));
    expect(runs).toEqual([]);
    frames.frame();
    expect(runs).toEqual([0]);
  });

  it("holds a request made within the gap until the gap has passed, then takes the next frame", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const schedule = pacedScheduler(frameScheduler(frames.raf, clock), 100, clock);
    const runs: number[] = [];
    schedule(() => runs.push(clock.now()));
    frames.frame();
    clock.advance(16);
    schedule(() => runs.push(clock.now()));
    frames.frame(); // a frame inside the gap: nothing asked for it yet
    expect(frames.pending).toBe(0);
    clock.advance(83);
    expect(frames.pending).toBe(0);
    clock.advance(1); // 100 ms after the first run: now it waits for a frame
    expect(frames.pending).toBe(1);
    clock.advance(10);
    frames.frame();
    expect(runs).toEqual([0, 110]);
  });

  it("does not hold a request that comes after the gap", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const schedule = pacedScheduler(frameScheduler(frames.raf, clock), 100, clock);
    const runs: number[] = [];
    schedule(() => runs.push(clock.now()));
    frames.frame();
    clock.advance(250);
    schedule(() => runs.push(clock.now()));
    expect(frames.pending).toBe(1);
    frames.frame();
    expect(runs).toEqual([0, 250]);
  });
});

describe("frameScheduler", () => {
  it("runs once, on the frame or on the timer when no frame comes (a background tab)", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const schedule = frameScheduler(frames.raf, clock);
    const runs: string[] = [];
    schedule(() => runs.push("a"));
    frames.frame();
    clock.advance(1_000);
    expect(runs).toEqual(["a"]);
    expect(clock.pending).toBe(0);
    schedule(() => runs.push("b"));
    clock.advance(1_000); // no frame: the fallback timer runs it
    frames.frame();
    expect(runs).toEqual(["a", "b"]);
  });
});

describe("browserSchedulers", () => {
  it("flushes a lone settled write on the next frame, and the rest of a burst once per SETTLED_FLUSH_MS", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const { settled } = browserSchedulers(frames.raf, clock);
    const runs: number[] = [];
    settled(() => runs.push(clock.now()));
    frames.frame();
    expect(runs).toEqual([0]);
    // Pushes while the server processes a batch: one ~200 ms after the flush, then more.
    clock.advance(200);
    settled(() => runs.push(clock.now()));
    frames.frame();
    clock.advance(SETTLED_FLUSH_MS - 201);
    frames.frame();
    expect(runs).toEqual([0]);
    clock.advance(1);
    frames.frame();
    expect(runs).toEqual([0, SETTLED_FLUSH_MS]);
    // A quiet spell longer than the gap: the next one is not held.
    clock.advance(SETTLED_FLUSH_MS + 500);
    settled(() => runs.push(clock.now()));
    frames.frame();
    expect(runs).toEqual([0, SETTLED_FLUSH_MS, 2 * SETTLED_FLUSH_MS + 500]);
  });

  it("holds byte progress for PROGRESS_FLUSH_MS, and any write to STORE_FLUSH_GAP_MS after the last flush", () => {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const { write, progress } = browserSchedulers(frames.raf, clock);
    const runs: string[] = [];
    write(() => runs.push(`write@${clock.now()}`));
    frames.frame();
    progress(() => runs.push(`progress@${clock.now()}`));
    clock.advance(PROGRESS_FLUSH_MS - 1);
    frames.frame();
    expect(runs).toEqual(["write@0"]);
    clock.advance(1);
    frames.frame();
    clock.advance(10);
    write(() => runs.push(`write@${clock.now()}`));
    frames.frame();
    clock.advance(STORE_FLUSH_GAP_MS);
    frames.frame();
    expect(runs).toEqual([
      "write@0",
      `progress@${PROGRESS_FLUSH_MS}`,
      `write@${PROGRESS_FLUSH_MS + 10 + STORE_FLUSH_GAP_MS}`,
    ]);
  });
});
