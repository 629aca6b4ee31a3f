import type { JobEvent } from "@rapidphoto/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";
import type { EventBus } from "../events/event-bus.js";
import { createMemoryEventBus } from "../events/memory-event-bus.js";
import { createProgressCoalescer, PROGRESS_INTERVAL_MS } from "./progress-coalescer.js";

const JOB_A = "job_aaaaaaaa";
const JOB_B = "job_bbbbbbbb";

/** What reached the bus, as "job:photo:seq" or "job:JOB:seq". */
function label(event: JobEvent): string {
  const m = event.message;
  return `${m.jobId.slice(4, 5)}:${m.type === "photo" ? m.photoId : "JOB"}:${m.seq}`;
}

describe("progress coalescer", () => {
  let bus: EventBus;
  let seen: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    bus = createMemoryEventBus();
    seen = [];
    bus.subscribe((event) => event.kind !== "sessions-revoked" && seen.push(label(event)));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function coalescer() {
    return createProgressCoalescer({ bus, logger: captureLogger().logger });
  }

  it("sends the first progress at once and coalesces the rest of the window, latest per photo", async () => {
    const c = coalescer();
    await c.publish(photoEvent(JOB_A, "p1", 1));
    expect(seen).toEqual(["a:p1:1"]);

    await c.publish(photoEvent(JOB_A, "p1", 2));
    await c.publish(photoEvent(JOB_A, "p2", 3));
    await c.publish(photoEvent(JOB_A, "p1", 4));
    expect(seen).toEqual(["a:p1:1"]);

    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(seen).toEqual(["a:p1:1", "a:p2:3", "a:p1:4"]);
  });

  it("sends at most one batch per interval per job", async () => {
    const c = coalescer();
    const batchTimes: number[] = [];
    bus.subscribe(() => batchTimes.push(Date.now()));
    // 4 seconds of an update every 10 ms
    for (let i = 1; i <= 400; i++) {
      await c.publish(photoEvent(JOB_A, "p1", i));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(seen.length).toBeLessThanOrEqual(4000 / PROGRESS_INTERVAL_MS + 2);
    for (let i = 1; i < batchTimes.length; i++) {
      expect(batchTimes[i]! - batchTimes[i - 1]!).toBeGreaterThanOrEqual(PROGRESS_INTERVAL_MS);
    }
    expect(seen.at(-1)).toBe("a:p1:400");
  });

  it("flushes a job's pending progress before its status event, at once", async () => {
    const c = coalescer();
    await c.publish(photoEvent(JOB_A, "p1", 1));
    await c.publish(photoEvent(JOB_A, "p2", 2));
    await c.publish(photoEvent(JOB_A, "p1", 3));
    await c.publish(jobEvent(JOB_A, 4));
    expect(seen).toEqual(["a:p1:1", "a:p2:2", "a:p1:3", "a:JOB:4"]);

    // Nothing is left for the window to send.
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS * 4);
    expect(seen).toHaveLength(4);
  });

  it("keeps jobs independent", async () => {
    const c = coalescer();
    await c.publish(photoEvent(JOB_A, "p1", 1));
    await c.publish(photoEvent(JOB_B, "q1", 1));
    await c.publish(photoEvent(JOB_A, "p1", 2));
    await c.publish(jobEvent(JOB_B, 2, { status: "COMPLETED" }));
    expect(seen).toEqual(["a:p1:1", "b:q1:1", "b:JOB:2"]);
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    expect(seen).toEqual(["a:p1:1", "b:q1:1", "b:JOB:2", "a:p1:2"]);
  });

  it("sends pending progress on close, then passes events straight through", async () => {
    const c = coalescer();
    await c.publish(photoEvent(JOB_A, "p1", 1));
    await c.publish(photoEvent(JOB_A, "p1", 2));
    await c.close();
    expect(seen).toEqual(["a:p1:1", "a:p1:2"]);
    expect(vi.getTimerCount()).toBe(0);

    await c.publish(photoEvent(JOB_A, "p1", 3));
    await c.publish(photoEvent(JOB_A, "p1", 4));
    expect(seen).toEqual(["a:p1:1", "a:p1:2", "a:p1:3", "a:p1:4"]);
  });

  it("flush() sends everything pending now", async () => {
    const c = coalescer();
    await c.publish(photoEvent(JOB_A, "p1", 1));
    await c.publish(photoEvent(JOB_A, "p1", 2));
    await c.publish(photoEvent(JOB_B, "q1", 1));
    await c.publish(photoEvent(JOB_B, "q1", 2));
    await c.flush();
    expect(seen).toEqual(["a:p1:1", "b:q1:1", "a:p1:2", "b:q1:2"]);
  });

  it("logs, rather than throws, when a timed flush cannot publish", async () => {
    const { logger, records } = captureLogger();
    const c = createProgressCoalescer({ bus, logger });
    await c.publish(photoEvent(JOB_A, "p1", 1));
    await c.publish(photoEvent(JOB_A, "p1", 2));
    await bus.close();
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    await vi.waitFor(() => expect(records.some((r) => r.level === "warn")).toBe(true));
    expect(records.find((r) => r.level === "warn")?.msg).toMatch(/publishing progress failed/);
  });

  it("rejects a status publish the bus refuses", async () => {
    const c = coalescer();
    await bus.close();
    await expect(c.publish(jobEvent(JOB_A, 1))).rejects.toThrow(/closed/);
  });
});
