import { describe, expect, it } from "vitest";
import { foldJob, foldPhoto, type JobSnapshot, type PhotoSnapshot } from "./folds.js";
import { emptyCounts } from "./statuses.js";

const photo = (over: Partial<PhotoSnapshot> = {}): PhotoSnapshot => ({
  status: "UPLOADING",
  progressPercent: 40,
  errorMessage: null,
  ...over,
});

describe("foldPhoto", () => {
  it("moves a photo forward, never back, and the first terminal status sticks", () => {
    expect(foldPhoto(photo(), { status: "PROCESSING", progressPercent: 100 }, false)).toEqual(
      photo({ status: "PROCESSING", progressPercent: 100 }),
    );
    const processing = photo({ status: "PROCESSING", progressPercent: 100 });
    expect(foldPhoto(processing, { status: "UPLOADING", progressPercent: 90 }, false)).toBe(processing);
    const done = photo({ status: "COMPLETED", progressPercent: 100 });
    expect(foldPhoto(done, { status: "FAILED", progressPercent: 100, errorMessage: "late" }, false)).toBe(done);
  });

  it("never lowers progress within a status, and returns the same object when nothing changes", () => {
    const p = photo();
    expect(foldPhoto(p, { status: "UPLOADING", progressPercent: 30 }, false)).toBe(p);
    expect(foldPhoto(p, { status: "UPLOADING", progressPercent: 40 }, true)).toBe(p);
    expect(foldPhoto(p, { status: "UPLOADING", progressPercent: 70 }, false)).toEqual(photo({ progressPercent: 70 }));
  });

  it("keeps the server's error for a failure and drops it on the way back (a retry newer than all seen)", () => {
    const failed = foldPhoto(photo(), { status: "FAILED", progressPercent: 100, errorMessage: "Not an image." }, false);
    expect(failed).toEqual(photo({ status: "FAILED", progressPercent: 100, errorMessage: "Not an image." }));
    expect(foldPhoto(failed, { status: "QUEUED", progressPercent: 0 }, false)).toBe(failed);
    expect(foldPhoto(failed, { status: "QUEUED", progressPercent: 0 }, true)).toEqual(
      photo({ status: "QUEUED", progressPercent: 0, errorMessage: null }),
    );
  });
});

describe("foldJob", () => {
  const job = (seq: number, completedCount: number): JobSnapshot => ({
    ...emptyCounts(),
    status: completedCount === 3 ? "COMPLETED" : "IN_PROGRESS",
    totalCount: 3,
    uploadingCount: 3 - completedCount,
    completedCount,
    seq,
  });

  it("takes status, counts and seq from a report at least as new, and nothing from an older one", () => {
    const held = job(5, 1);
    expect(foldJob(held, job(4, 0))).toBe(held);
    expect(foldJob(held, job(5, 1))).toBe(held);
    expect(foldJob(held, job(5, 2))).toEqual(job(5, 2));
    expect(foldJob(held, job(6, 3))).toEqual(job(6, 3));
  });

  it("keeps what else the holder has, and takes the message's time where the holder keeps one", () => {
    const summary = { ...job(5, 1), jobId: "job_a", updatedAt: "then", totalBytes: 300 };
    expect(foldJob(summary, { ...job(6, 3), timestamp: "now" })).toEqual({
      ...job(6, 3),
      jobId: "job_a",
      updatedAt: "now",
      totalBytes: 300,
    });
  });
});
