import { describe, expect, it } from "vitest";
import type { BatchFileStatus } from "./batches";
import { BatchTracker, batchMessage } from "./batches";

describe("batches", () => {
  it("settles a batch only when every file is done, once", () => {
    const statuses = new Map<string, BatchFileStatus>([
      ["a", "COMPLETED"],
      ["b", "PROCESSING"],
      ["c", "FAILED"],
    ]);
    const t = new BatchTracker();
    t.track(["a", "b", "c"]);
    expect(t.settle((id) => statuses.get(id))).toEqual([]);
    statuses.set("b", "COMPLETED");
    expect(t.settle((id) => statuses.get(id))).toEqual([{ completed: 2, failed: 1, cancelled: 0, duplicates: 0 }]);
    expect(t.settle((id) => statuses.get(id))).toEqual([]);
  });

  it("sees a file that went back (a retry) before the batch's last file is done, and looks at each file once per flush", () => {
    const statuses = new Map<string, BatchFileStatus>([
      ["a", "COMPLETED"],
      ["b", "FAILED"],
      ["c", "UPLOADING"],
    ]);
    const looked: string[] = [];
    const statusOf = (id: string) => {
      looked.push(id);
      return statuses.get(id);
    };
    const t = new BatchTracker();
    t.track(["a", "b", "c"]);
    expect(t.settle(statusOf)).toEqual([]);
    looked.length = 0;
    expect(t.settle(statusOf)).toEqual([]);
    expect(looked).toEqual(["c"]); // a and b were done at the last look
    statuses.set("b", "QUEUED"); // retried
    statuses.set("c", "COMPLETED");
    expect(t.settle(statusOf)).toEqual([]);
    statuses.set("b", "COMPLETED");
    expect(t.settle(statusOf)).toEqual([{ completed: 3, failed: 0, cancelled: 0, duplicates: 0 }]);
  });

  it("counts files the library already had apart, and says so in the toast", () => {
    const t = new BatchTracker();
    t.track(["a", "b", "c"]);
    const statuses = new Map<string, BatchFileStatus>([
      ["a", "COMPLETED"],
      ["b", "DUPLICATE"],
      ["c", "DUPLICATE"],
    ]);
    const [result] = t.settle((id) => statuses.get(id));
    expect(result).toEqual({ completed: 1, failed: 0, cancelled: 0, duplicates: 2 });
    expect(batchMessage(result!)?.title).toBe("1 uploaded · 2 already in your library");
    expect(batchMessage({ completed: 12, failed: 1, cancelled: 0, duplicates: 3 })).toEqual({
      kind: "warning",
      title: "12 uploaded, 1 failed · 3 already in your library",
    });
    expect(batchMessage({ completed: 0, failed: 0, cancelled: 0, duplicates: 1 })?.title).toBe(
      "1 photo already in your library",
    );
  });

  it("words the toast the way the plan does", () => {
    expect(batchMessage({ completed: 120, failed: 0, cancelled: 0, duplicates: 0 })?.title).toBe("120 photos uploaded");
    expect(batchMessage({ completed: 118, failed: 2, cancelled: 0, duplicates: 0 })?.title).toBe(
      "118 uploaded, 2 failed",
    );
    expect(batchMessage({ completed: 1, failed: 0, cancelled: 3, duplicates: 0 })?.title).toBe("1 photo uploaded");
    expect(batchMessage({ completed: 0, failed: 2, cancelled: 0, duplicates: 0 })).toEqual({
      kind: "error",
      title: "2 photos failed",
    });
    expect(batchMessage({ completed: 0, failed: 0, cancelled: 4, duplicates: 0 })).toBeNull();
  });
});
