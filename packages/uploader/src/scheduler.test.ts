import { describe, expect, it } from "vitest";
import { ManualClock } from "../test/support/manual-clock.js";
import {
  PROGRESS_FLUSH_MS,
  SETTLED_FLUSH_MS,
  STORE_FLUSH_GAP_FILES,
  STORE_FLUSH_GAP_MAX_MS,
  STORE_FLUSH_GAP_MS,
} from "./constants.js";
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
    const { settled } = browserSchedulers(frames.raf, clock, () => 10);
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
    const { write, progress } = browserSchedulers(frames.raf, clock, () => 10);
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
  /** Writes every frame (16 ms) from a flush at 0 until `until`; the times the store was flushed. */
  function burst(files: () => number, until: number): number[] {
    const clock = new ManualClock(0);
    const frames = manualFrames();
    const { write } = browserSchedulers(frames.raf, clock, files);
    const runs: number[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      runs.push(clock.now());
    };
    // As the StoreWriter does: one flush asked for at a time, asked again by the next write.
    const writeOnce = () => {
      if (scheduled) return;
      scheduled = true;
      write(flush);
    };
    writeOnce();
    frames.frame();
    while (clock.now() < until) {
      clock.advance(16);
      writeOnce();
      frames.frame();
    }
    return runs;
  }

  it("keeps the STORE_FLUSH_GAP_MS gap up to STORE_FLUSH_GAP_FILES files, and widens it past them", () => {
    // A frame every 16 ms: the first one at least 100 ms after the last flush is at the next multiple of 16.
    expect(burst(() => 10, 560)).toEqual([0, 112, 224, 336, 448, 560]);
    expect(burst(() => STORE_FLUSH_GAP_FILES, 560)).toEqual([0, 112, 224, 336, 448, 560]);
    // 1,500 files: 150 ms, so the frame at 160 instead of 112.
    expect(burst(() => 1_500, 560)).toEqual([0, 160, 320, 480]);
  });

  it("holds a burst of writes at 5,000 files to the longer gap", () => {
    // 5,000 files: 500 ms, the first frame after it at 512.
    const runs = burst(() => 5_000, 2_000);
    expect(runs).toEqual([0, 512, 1024, 1536]);
  });

  it("caps the gap at STORE_FLUSH_GAP_MAX_MS, however many files", () => {
    // Uncapped, 100,000 files would be 10 s between flushes.
    expect(STORE_FLUSH_GAP_MAX_MS).toBe(500);
    expect(burst(() => 100_000, 2_000)).toEqual([0, 512, 1024, 1536]);
  });

  it("reads the number of files each time a write is scheduled, as a selection is added", () => {
    let files = 100;
    const runs = burst(() => {
      const now = files;
      files += 1_000; // each write scheduled sees 1,000 more files than the one before
      return now;
    }, 2_000);
    // Gaps asked for: none for the first write (nothing flushed before it, 100 files), then 110 ms
    // (1,100 files), 210, 310, 410 and 500 (5,100 files, the cap); each flush on the next frame.
    expect(runs).toEqual([0, 112, 336, 656, 1072, 1584]);
  });
});
