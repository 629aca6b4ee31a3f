import { describe, expect, it } from "vitest";
import { canTransition, deriveJobStatus, emptyCounts, type PhotoCounts } from "./statuses.js";

const counts = (c: Partial<PhotoCounts>): PhotoCounts => ({ ...emptyCounts(), ...c });

describe("photo transitions", () => {
  it("moves forward only", () => {
    expect(canTransition("QUEUED", "UPLOADING")).toBe(true);
    expect(canTransition("UPLOADING", "PROCESSING")).toBe(true);
    expect(canTransition("PROCESSING", "COMPLETED")).toBe(true);
    expect(canTransition("PROCESSING", "UPLOADING")).toBe(false);
    expect(canTransition("COMPLETED", "QUEUED")).toBe(false);
    expect(canTransition("COMPLETED", "CANCELLED")).toBe(false);
  });
  it("lets retry bring failed and cancelled photos back to QUEUED", () => {
    expect(canTransition("FAILED", "QUEUED")).toBe(true);
    expect(canTransition("CANCELLED", "QUEUED")).toBe(true);
    expect(canTransition("FAILED", "UPLOADING")).toBe(false);
  });
});

describe("job status", () => {
  it("is derived from its photos", () => {
    expect(deriveJobStatus(counts({ totalCount: 3, queuedCount: 3 }))).toBe("QUEUED");
    expect(deriveJobStatus(counts({ totalCount: 3, queuedCount: 2, uploadingCount: 1 }))).toBe("IN_PROGRESS");
    expect(deriveJobStatus(counts({ totalCount: 3, completedCount: 2, processingCount: 1 }))).toBe("IN_PROGRESS");
    expect(deriveJobStatus(counts({ totalCount: 3, completedCount: 3 }))).toBe("COMPLETED");
    expect(deriveJobStatus(counts({ totalCount: 3, completedCount: 2, failedCount: 1 }))).toBe("COMPLETED_WITH_ERRORS");
    expect(deriveJobStatus(counts({ totalCount: 3, completedCount: 2, cancelledCount: 1 }))).toBe(
      "COMPLETED_WITH_ERRORS",
    );
    expect(deriveJobStatus(counts({ totalCount: 3, failedCount: 2, cancelledCount: 1 }))).toBe("FAILED");
    expect(deriveJobStatus(counts({ totalCount: 2, cancelledCount: 2 }))).toBe("CANCELLED");
  });
});
