import { describe, expect, it } from "vitest";
import { percentOf, photoPercent } from "./progress.js";
import {
  canTransition,
  countPhotos,
  deriveJobStatus,
  emptyCounts,
  isAwaitingBytes,
  isInLibrary,
  isStored,
  isTerminalPhoto,
  movesForward,
  type PhotoCounts,
} from "./statuses.js";

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

describe("status vocabulary", () => {
  it("names each group of statuses once", () => {
    const all = ["QUEUED", "UPLOADING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
    expect(all.filter(isAwaitingBytes)).toEqual(["QUEUED", "UPLOADING"]);
    expect(all.filter(isStored)).toEqual(["PROCESSING", "COMPLETED"]);
    expect(all.filter(isInLibrary)).toEqual(["PROCESSING", "COMPLETED", "FAILED"]);
    expect(all.filter(isTerminalPhoto)).toEqual(["COMPLETED", "FAILED", "CANCELLED"]);
  });

  it("moves a photo forward only, and the first terminal status sticks", () => {
    expect(movesForward("UPLOADING", "PROCESSING")).toBe(true);
    expect(movesForward("PROCESSING", "UPLOADING")).toBe(false);
    expect(movesForward("UPLOADING", "UPLOADING")).toBe(false);
    expect(movesForward("COMPLETED", "FAILED")).toBe(false);
    expect(movesForward("FAILED", "QUEUED")).toBe(false); // a retry is taken by who asked for it
  });

  it("counts photos by status", () => {
    const photos = (["QUEUED", "FAILED", "FAILED", "COMPLETED"] as const).map((status) => ({ status }));
    expect(countPhotos(photos)).toEqual(counts({ totalCount: 4, queuedCount: 1, failedCount: 2, completedCount: 1 }));
  });
});

describe("percent", () => {
  it("shows 100 only for the exact byte count, one decimal rounded down", () => {
    expect(percentOf(5 * 2 ** 30 - 1, 5 * 2 ** 30)).toBe(99.9);
    expect(percentOf(10, 10)).toBe(100);
    expect(percentOf(5, 10)).toBe(50);
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(0, 0)).toBe(0);
  });

  it("is 100 for a stored photo and its bytes' share before", () => {
    expect(photoPercent({ status: "UPLOADING", bytesSent: 25, bytesTotal: 100 })).toBe(25);
    expect(photoPercent({ status: "PROCESSING", bytesSent: 0, bytesTotal: 100 })).toBe(100);
    expect(photoPercent({ status: "CANCELLED", bytesSent: 60, bytesTotal: 100 })).toBe(60);
  });
});
