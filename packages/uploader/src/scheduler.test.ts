import { describe, expect, it } from "vitest";
import { ManualClock } from "../test/support/manual-clock.js";
import { frameScheduler, pacedScheduler } from "./scheduler.js";

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
