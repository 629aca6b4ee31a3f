import { describe, expect, it } from "vitest";
import { bytesSource, type UploaderOptions, type UploadSource } from "../src/index.js";
import { ManualClock } from "./support/manual-clock.js";
import { gate, memoryBackend, uploaderOn } from "./support/memory-backend.js";

/** A source that counts reads of its size: the first read is what costs in a browser. */
function countedJpeg(name: string, reads: Map<string, number>): UploadSource {
  const source = bytesSource(new Uint8Array(10), { name, type: "image/jpeg" });
  return {
    name,
    type: source.type,
    get size() {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return source.size;
    },
    lastModified: 0,
    slice: (start, end) => source.slice(start, end),
  };
}

/** Later slices run only when the test says so. */
function manualTasks() {
  const pending: (() => void)[] = [];
  return {
    schedule: (callback: () => void) => void pending.push(callback),
    /** Runs the tasks due now (not the ones they schedule). */
    run(): number {
      const due = pending.splice(0);
      for (const callback of due) callback();
      return due.length;
    },
    get pending() {
      return pending.length;
    },
  };
}

const flushTurns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

function setup(count: number, options: Partial<UploaderOptions> = {}) {
  const backend = memoryBackend();
  const tasks = manualTasks();
  // Store writes reach the store when the test flushes them (flushWriter), as a frame would.
  const frames = manualTasks();
  const clock = new ManualClock(0);
  const uploader = uploaderOn(backend, {
    taskScheduler: tasks.schedule,
    scheduler: frames.schedule,
    clock,
    addSlices: { first: 4, files: 10, budgetMs: 1_000 },
    autoStart: false,
    ...options,
  });
  const reads = new Map<string, number>();
  const sources = Array.from({ length: count }, (_, i) => countedJpeg(`${String(i).padStart(3, "0")}.jpg`, reads));
  const state = () => uploader.store.getState();
  /** Applies the store writes made so far (the frames due), as the next frame would. */
  const flushWriter = () => {
    while (frames.run() > 0) {}
  };
  return { backend, uploader, tasks, clock, reads, sources, state, flushWriter };
}

describe("adding a selection in slices", () => {
  it("records the first files at once and the rest a slice per task, in order, one batch, each file once", () => {
    const { uploader, tasks, reads, sources, state, flushWriter } = setup(25);
    const ids = uploader.add(sources);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    // Only the first slice's sizes were read in the picking task.
    expect([...reads.keys()]).toEqual(sources.slice(0, 4).map((s) => s.name));
    const seen: number[] = [];
    // The store says from the start how many are still to come.
    flushWriter();
    expect(state().order).toEqual(ids.slice(0, 4));
    expect(addingCount(state())).toBe(21);
    while (tasks.pending > 0) {
      tasks.run();
      flushWriter();
      seen.push(state().order.length);
    }
    expect(seen).toEqual([14, 24, 25]);
    expect(state().order).toEqual(ids);
    expect(state().adding).toEqual({});
    expect(new Set(ids.map((id) => state().files[id]!.batchId)).size).toBe(1);
    expect(ids.map((id) => state().files[id]!.name)).toEqual(sources.map((s) => s.name));
    expect([...reads.values()].every((n) => n >= 1)).toBe(true);
    expect(reads.size).toBe(25);
  });

  it("ends a slice once its time budget is spent (after a floor of files), the first one too", () => {
    const { uploader, tasks, clock, sources, state, flushWriter } = setup(100, {
      addSlices: { first: 50, files: 1_000, budgetMs: 5 },
    });
    // The first read of each file's size takes 1 ms on this clock (as Chromium asks the browser
    // process): past the 24 files every slice records, a slice stops at the first look at the
    // clock (every 4 files), so 24 files a slice.
    for (const source of sources) {
      let read = false;
      Object.defineProperty(source, "size", {
        get: () => {
          if (!read) clock.advance(1);
          read = true;
          return 10;
        },
      });
    }
    uploader.add(sources);
    flushWriter();
    expect(state().order).toHaveLength(24);
    tasks.run();
    flushWriter();
    expect(state().order).toHaveLength(48);
  });

  it("keeps the order of two selections picked one after the other, each its own batch", () => {
    const { uploader, tasks, sources, state, flushWriter } = setup(30);
    const first = uploader.add(sources.slice(0, 20));
    const second = uploader.add(sources.slice(20));
    // The second waits for the first: nothing of it is recorded before the first is in.
    flushWriter();
    expect(state().order).toEqual(first.slice(0, 4));
    while (tasks.run() > 0) flushWriter();
    expect(state().order).toEqual([...first, ...second]);
    const batchOf = (id: string) => state().files[id]!.batchId;
    expect(new Set(first.map(batchOf)).size).toBe(1);
    expect(new Set(second.map(batchOf)).size).toBe(1);
    expect(batchOf(first[0]!)).not.toBe(batchOf(second[0]!));
  });

  it("registers the whole selection in full jobs, the first made of the first slice, every file once", async () => {
    const { backend, uploader, tasks, sources, state } = setup(2_500, {
      autoStart: true,
      addSlices: { first: 50, files: 200, budgetMs: 1_000 },
      limits: { maxActiveFiles: 1, maxRequests: 1 },
      registerAhead: 300,
    });
    // The first file's bytes are held until every slice is in: files are still waiting to be sent.
    const held = gate();
    backend.hooks.put = () => ({ hold: held.promise });
    const ids = uploader.add(sources);
    await flushTurns();
    const created = () => backend.calls.filter((c) => c.name === "createJob");
    expect(created().map((c) => (c.args as { files: unknown[] }).files.length)).toEqual([50]);
    while (tasks.pending > 0) {
      tasks.run();
      await flushTurns(2);
    }
    held.open();
    await uploader.whenIdle();
    const sizes = created().map((c) => (c.args as { files: unknown[] }).files.length);
    expect(sizes[0]).toBe(50);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2_500);
    // The jobs after the first are full ones (the server's 1,000), not one per slice.
    expect(sizes).toEqual([50, 1_000, 1_000, 450]);
    const names = created().flatMap((c) => (c.args as { files: { filename: string }[] }).files.map((f) => f.filename));
    expect(names).toEqual(sources.map((s) => s.name));
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("pause-all mid-add pauses the files still to come; resume-all sends them", async () => {
    const { backend, uploader, tasks, sources, state, flushWriter } = setup(40, { autoStart: true });
    const ids = uploader.add(sources);
    uploader.pause();
    flushWriter();
    expect(Object.values(state().adding)).toEqual([{ files: 36, paused: true }]);
    while (tasks.run() > 0) flushWriter();
    expect(ids.every((id) => state().files[id]!.paused)).toBe(true);
    await flushTurns();
    expect(backend.puts).toHaveLength(0);
    uploader.resume();
    await uploader.whenIdle();
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("resume-all mid-add lets the files still to come in unpaused", async () => {
    const { uploader, tasks, sources, state, flushWriter } = setup(40, { autoStart: true });
    const ids = uploader.add(sources);
    uploader.pause();
    tasks.run();
    uploader.resume();
    flushWriter();
    expect(Object.values(state().adding)).toEqual([{ files: 26, paused: false }]);
    while (tasks.run() > 0) flushWriter();
    expect(ids.slice(14).every((id) => !state().files[id]!.paused)).toBe(true);
    await uploader.whenIdle();
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("cancel-all mid-add cancels what is in and never adds the rest", async () => {
    const { backend, uploader, tasks, sources, state, flushWriter } = setup(40, { autoStart: true });
    const ids = uploader.add(sources);
    tasks.run(); // 14 in
    await uploader.cancel();
    flushWriter();
    expect(state().adding).toEqual({});
    expect(tasks.run()).toBeLessThanOrEqual(1); // a slice already scheduled finds nothing to do
    flushWriter();
    expect(state().order).toEqual(ids.slice(0, 14));
    expect(ids.slice(0, 14).every((id) => state().files[id]!.status === "CANCELLED")).toBe(true);
    await uploader.whenIdle();
    const registered = backend.calls
      .filter((c) => c.name === "createJob")
      .flatMap((c) => (c.args as { files: { filename: string }[] }).files.map((f) => f.filename));
    expect(registered.every((name) => sources.slice(0, 14).some((s) => s.name === name))).toBe(true);
  });

  it("whenIdle waits for the files still to come; finishAdding records them now", async () => {
    const { uploader, tasks, sources, state } = setup(40, { autoStart: true });
    const ids = uploader.add(sources);
    let idle = false;
    void uploader.whenIdle().then(() => {
      idle = true;
    });
    await flushTurns();
    expect(idle).toBe(false);
    uploader.finishAdding();
    // In the store at once, without waiting for a frame (persistence reads it on pagehide).
    expect(state().order).toEqual(ids);
    expect(state().adding).toEqual({});
    expect(tasks.run()).toBeLessThanOrEqual(1);
    await uploader.whenIdle();
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("finishAdding({ register: false }) records the rest without registering any of it until start()", async () => {
    const { uploader, backend, tasks, sources, state } = setup(40, { autoStart: true });
    const ids = uploader.add(sources);
    await flushTurns();
    const registered = () =>
      backend.calls.filter((c) => c.name === "createJob").flatMap((c) => (c.args as { files: unknown[] }).files).length;
    expect(registered()).toBe(4); // the first slice
    uploader.finishAdding({ register: false });
    expect(state().order).toEqual(ids);
    tasks.run();
    await flushTurns();
    expect(registered()).toBe(4);
    // Back from the back/forward cache: the rest goes on.
    uploader.start();
    await uploader.whenIdle();
    expect(registered()).toBe(40);
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });
});

function addingCount(state: { adding: Record<string, { files: number }> }): number {
  return Object.values(state.adding).reduce((n, a) => n + a.files, 0);
}
