import Fastify from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { periodicTaskPlugin } from "./periodic-task-plugin.js";

afterEach(() => {
  vi.useRealTimers();
});

async function appWith(run: () => Promise<number>) {
  vi.useFakeTimers();
  const app = Fastify({ logger: false });
  const info = vi.spyOn(app.log, "info");
  const warn = vi.spyOn(app.log, "warn");
  await app.register(periodicTaskPlugin, { task: "sweep things", everyMs: 1_000, run });
  await app.ready();
  return { app, info, warn };
}

describe("periodic task", () => {
  it("runs every period, logs what it handled (not a run that handled nothing) and stops when the app closes", async () => {
    const run = vi.fn(async () => 0);
    const { app, info } = await appWith(run);
    await vi.advanceTimersByTimeAsync(999);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(info).not.toHaveBeenCalled();
    run.mockResolvedValueOnce(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(info).toHaveBeenCalledWith({ task: "sweep things", handled: 3 }, "periodic task done");
    await app.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("logs a failed run and tries again at the next tick", async () => {
    const error = new Error("database away");
    const run = vi.fn(async () => 0).mockRejectedValueOnce(error);
    const { app, warn } = await appWith(run);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warn).toHaveBeenCalledWith({ err: error, task: "sweep things" }, "periodic task failed");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(2);
    await app.close();
  });

  it("skips a tick while the last run is still going", async () => {
    let finish!: (handled: number) => void;
    const run = vi.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const { app } = await appWith(run);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(run).toHaveBeenCalledTimes(1);
    finish(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(2);
    // Closing waits for the run in progress.
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    finish(0);
    await closing;
    expect(closed).toBe(true);
  });
});
