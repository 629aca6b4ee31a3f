import { describe, expect, it } from "vitest";
import { FINISHING_FILES_PER_ACTIVE_SLOT } from "./constants.js";
import { TaskQueue } from "./task-queue.js";

const never = new AbortController().signal;
const tick = () => new Promise<void>((r) => setImmediate(r));

function recordingQueue(maxActiveFiles: number, maxRequests: number) {
  const started: string[] = [];
  const queue = new TaskQueue({ maxActiveFiles, maxRequests }, (id) => started.push(id));
  return { queue, started };
}

describe("TaskQueue", () => {
  it("starts files by priority, then in the order added", () => {
    const { queue, started } = recordingQueue(1, 1);
    queue.add("blocker");
    queue.add("a");
    queue.add("b", 5);
    queue.add("c");
    queue.add("d", 5);
    expect(queue.waitingIds()).toEqual(["b", "d", "a", "c"]);
    for (const id of ["blocker", "b", "d", "a"]) queue.done(id);
    expect(started).toEqual(["blocker", "b", "d", "a", "c"]);
  });

  it("never has more files active than allowed, and fills freed slots at once", () => {
    const { queue, started } = recordingQueue(3, 6);
    for (let i = 0; i < 10; i++) queue.add(`f${i}`);
    expect(started).toEqual(["f0", "f1", "f2"]);
    expect(queue.activeCount).toBe(3);
    queue.done("f1");
    expect(started).toEqual(["f0", "f1", "f2", "f3"]);
    expect(queue.activeCount).toBe(3);
  });

  it("a file that released its slot lets the next start, and stays known until done", () => {
    const { queue, started } = recordingQueue(1, 1);
    queue.add("a");
    queue.add("b");
    queue.release("a"); // a's bytes are all sent; it waits for its finalize answer
    expect(started).toEqual(["a", "b"]);
    expect([queue.activeCount, queue.finishingCount]).toEqual([1, 1]);
    queue.add("a"); // still known: not queued a second time
    expect(queue.waitingCount).toBe(0);
    queue.done("a"); // its finalize answered: no slot is freed twice
    queue.add("c");
    expect(started).toEqual(["a", "b"]);
    expect([queue.activeCount, queue.finishingCount]).toEqual([1, 0]);
    queue.done("b");
    expect(started).toEqual(["a", "b", "c"]);
  });

  it("at most FINISHING_FILES_PER_ACTIVE_SLOT x maxActiveFiles files wait for their finalize answer without a slot", () => {
    const { queue, started } = recordingQueue(1, 6);
    const ids = Array.from({ length: FINISHING_FILES_PER_ACTIVE_SLOT + 3 }, (_, i) => `f${i}`);
    for (const id of ids) queue.add(id);
    // Each file hands its one slot over as its bytes are in, up to the bound.
    for (let i = 0; i < FINISHING_FILES_PER_ACTIVE_SLOT; i++) queue.release(`f${i}`);
    const most = FINISHING_FILES_PER_ACTIVE_SLOT;
    expect(started).toEqual(ids.slice(0, most + 1));
    // The server has answered none of them: the next file keeps its slot.
    queue.release(`f${most}`);
    expect(started).toEqual(ids.slice(0, most + 1));
    expect([queue.activeCount, queue.finishingCount]).toEqual([1, most]);
    queue.done("f0"); // an answer came: the next file may hand its slot over again
    queue.release(`f${most}`);
    expect(started).toEqual(ids.slice(0, most + 2));
    expect([queue.activeCount, queue.finishingCount]).toEqual([1, most]);
  });

  it("honours both limits under load", async () => {
    const maxActiveFiles = 4;
    const maxRequests = 3;
    let activeFiles = 0;
    let inFlight = 0;
    let peakFiles = 0;
    let peakRequests = 0;
    let finished = 0;
    const runFile = async (id: string) => {
      activeFiles++;
      peakFiles = Math.max(peakFiles, activeFiles);
      // Each file sends several requests in parallel, as a multipart file does.
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const release = await queue.acquire(id, never);
          inFlight++;
          peakRequests = Math.max(peakRequests, inFlight);
          await tick();
          inFlight--;
          release();
        }),
      );
      activeFiles--;
      finished++;
      queue.done(id);
    };
    const queue: TaskQueue = new TaskQueue({ maxActiveFiles, maxRequests }, (id) => void runFile(id));
    for (let i = 0; i < 40; i++) queue.add(`f${i}`, i % 3);
    while (finished < 40) await tick();
    expect(peakFiles).toBe(maxActiveFiles);
    expect(peakRequests).toBe(maxRequests);
    expect(queue.requestsInFlight).toBe(0);
  });

  it("gives a freed request slot to the highest-ranked active file", async () => {
    const { queue } = recordingQueue(3, 1);
    queue.add("low", 0);
    queue.add("high", 9);
    const first = await queue.acquire("low", never);
    const order: string[] = [];
    const waitLow = queue.acquire("low", never).then((release) => {
      order.push("low");
      release();
    });
    const waitHigh = queue.acquire("high", never).then((release) => {
      order.push("high");
      release();
    });
    first();
    await Promise.all([waitLow, waitHigh]);
    expect(order).toEqual(["high", "low"]);
  });

  it("rejects a waiting acquire when its signal aborts, without leaking the slot", async () => {
    const { queue } = recordingQueue(2, 1);
    queue.add("a");
    const held = await queue.acquire("a", never);
    const controller = new AbortController();
    const waiting = queue.acquire("a", controller.signal);
    controller.abort(new Error("paused"));
    await expect(waiting).rejects.toThrow("paused");
    held();
    held(); // releasing twice is harmless
    expect(queue.requestsInFlight).toBe(0);
    const again = await queue.acquire("a", never);
    expect(queue.requestsInFlight).toBe(1);
    again();
  });

  it("reorders waiting files, taking a neighbour's priority to stay where it was put", () => {
    const { queue, started } = recordingQueue(1, 1);
    queue.add("running");
    queue.add("a", 1);
    queue.add("b", 1);
    queue.add("c", 0);
    expect(queue.waitingIds()).toEqual(["a", "b", "c"]);
    expect(queue.move("c", 0)).toBe(1);
    expect(queue.waitingIds()).toEqual(["c", "a", "b"]);
    expect(queue.move("c", 2)).toBe(1);
    expect(queue.waitingIds()).toEqual(["a", "b", "c"]);
    queue.add("d", 1); // a newcomer of equal priority still goes after the reordered files
    expect(queue.waitingIds()).toEqual(["a", "b", "c", "d"]);
    queue.setPriority("d", 2);
    expect(queue.waitingIds()).toEqual(["d", "a", "b", "c"]);
    expect(queue.move("running", 0)).toBeNull();
    queue.done("running");
    expect(started).toEqual(["running", "d"]);
  });

  it("starts nothing while blocked, and catches up when unblocked", async () => {
    const { queue, started } = recordingQueue(2, 2);
    queue.setBlocked(true);
    queue.add("a");
    expect(started).toEqual([]);
    queue.setBlocked(false);
    expect(started).toEqual(["a"]);
    queue.setBlocked(true);
    let granted = false;
    const pending = queue.acquire("a", never).then((release) => {
      granted = true;
      release();
    });
    await tick();
    expect(granted).toBe(false);
    queue.setBlocked(false);
    await pending;
    expect(granted).toBe(true);
  });

  it("applies raised limits at once and refuses nonsense limits", () => {
    const { queue, started } = recordingQueue(1, 1);
    for (const id of ["a", "b", "c"]) queue.add(id);
    queue.setLimits({ maxActiveFiles: 100 });
    expect(started).toEqual(["a", "b", "c"]);
    expect(() => queue.setLimits({ maxRequests: 0 })).toThrow(RangeError);
  });
});
