import type { JobMessage, JobView, PhotoMessage } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { applyPushToJobView, newerJobView } from "./job-view";

const view = (over: Partial<JobView> = {}): JobView => ({
  jobId: "job_aaaaaaaaaaaa",
  status: "IN_PROGRESS",
  seq: 10,
  totalCount: 2,
  queuedCount: 0,
  uploadingCount: 2,
  processingCount: 0,
  completedCount: 0,
  failedCount: 0,
  cancelledCount: 0,
  totalBytes: 300,
  photos: [
    {
      photoId: "ph_1",
      clientId: "f_1",
      filename: "a.jpg",
      bytes: 100,
      status: "UPLOADING",
      progressPercent: 40,
      errorMessage: null,
    },
    {
      photoId: "ph_2",
      clientId: "f_2",
      filename: "b.jpg",
      bytes: 200,
      status: "UPLOADING",
      progressPercent: 10,
      errorMessage: null,
    },
  ],
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:01.000Z",
  ...over,
});

const photo = (over: Partial<PhotoMessage>): PhotoMessage => ({
  type: "photo",
  jobId: "job_aaaaaaaaaaaa",
  photoId: "ph_1",
  status: "UPLOADING",
  progressPercent: 50,
  bytesSent: 50,
  bytesTotal: 100,
  seq: 10,
  timestamp: "2025-01-01T00:00:02.000Z",
  ...over,
});

describe("job view and pushes", () => {
  it("replaces only the photo a push is about", () => {
    const before = view();
    const after = applyPushToJobView(before, photo({ status: "PROCESSING", progressPercent: 100, seq: 11 }));
    expect(after.photos[0]).toMatchObject({ status: "PROCESSING", progressPercent: 100 });
    expect(after.photos[1]).toBe(before.photos[1]);
    expect(after.seq).toBe(11);
  });

  it("never moves a photo back for a stale push, nor lowers progress", () => {
    const done = applyPushToJobView(view(), photo({ status: "COMPLETED", progressPercent: 100, seq: 12 }));
    expect(applyPushToJobView(done, photo({ status: "UPLOADING", progressPercent: 90, seq: 11 }))).toBe(done);
    const v = view();
    expect(applyPushToJobView(v, photo({ progressPercent: 30 }))).toBe(v);
  });

  it("takes a retry (FAILED → QUEUED) when the push is newer than the view", () => {
    const failed = applyPushToJobView(view(), photo({ status: "FAILED", errorMessage: "Not an image", seq: 11 }));
    expect(failed.photos[0]).toMatchObject({ status: "FAILED", errorMessage: "Not an image" });
    const again = applyPushToJobView(failed, photo({ status: "QUEUED", progressPercent: 0, seq: 13 }));
    expect(again.photos[0]).toMatchObject({ status: "QUEUED", errorMessage: null });
  });

  it("takes job counts only from a push at least as new as the view", () => {
    const v = view();
    const job: JobMessage = {
      type: "job",
      jobId: v.jobId,
      status: "COMPLETED",
      ...{ totalCount: v.totalCount, queuedCount: 0, uploadingCount: 0, processingCount: 0, completedCount: 2 },
      ...{ failedCount: 0, cancelledCount: 0, seq: v.seq, timestamp: "2025-01-01T00:00:03.000Z" },
    };
    expect(applyPushToJobView(v, { ...job, seq: 9 })).toBe(v);
    expect(applyPushToJobView(v, { ...job, seq: 14 })).toMatchObject({
      status: "COMPLETED",
      completedCount: 2,
      seq: 14,
    });
  });

  it("keeps a cache that pushes took past a slower fetch", () => {
    const cached = view({ seq: 15 });
    expect(newerJobView(cached, view({ seq: 12 }))).toBe(cached);
    const fetched = view({ seq: 15 });
    expect(newerJobView(cached, fetched)).toBe(fetched);
    expect(newerJobView(undefined, fetched)).toBe(fetched);
  });
});
