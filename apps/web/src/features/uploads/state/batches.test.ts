import type { PhotoStatus } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { BatchTracker, batchMessage } from "./batches";

describe("batches", () => {
  it("settles a batch only when every file is done, once", () => {
    const statuses = new Map<string, PhotoStatus>([
      ["a", "COMPLETED"],
      ["b", "PROCESSING"],
      ["c", "FAILED"],
    ]);
    const t = new BatchTracker();
    t.track(["a", "b", "c"]);
    expect(t.settle((id) => statuses.get(id))).toEqual([]);
    statuses.set("b", "COMPLETED");
    expect(t.settle((id) => statuses.get(id))).toEqual([{ completed: 2, failed: 1, cancelled: 0 }]);
    expect(t.settle((id) => statuses.get(id))).toEqual([]);
  });

  it("words the toast the way the plan does", () => {
    expect(batchMessage({ completed: 120, failed: 0, cancelled: 0 })?.title).toBe("120 photos uploaded");
    expect(batchMessage({ completed: 118, failed: 2, cancelled: 0 })?.title).toBe("118 uploaded, 2 failed");
    expect(batchMessage({ completed: 1, failed: 0, cancelled: 3 })?.title).toBe("1 photo uploaded");
    expect(batchMessage({ completed: 0, failed: 2, cancelled: 0 })).toEqual({
      kind: "error",
      title: "2 photos failed",
    });
    expect(batchMessage({ completed: 0, failed: 0, cancelled: 4 })).toBeNull();
  });
});
