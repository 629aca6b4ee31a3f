import type { JobView, PhotoMessage } from "@rapidphoto/protocol";
import { jobPush, jobView, jobViewPhoto, photoPush } from "@rapidphoto/protocol/testing";
import { describe, expect, it } from "vitest";
import { applyPushToJobView, newerJobView } from "./job-view";

/** Two photos uploading at seq 10: a.jpg (100 bytes, 40%) and b.jpg (200 bytes, 10%). */
const view = (over: Partial<JobView> = {}): JobView =>
  jobView({
    seq: 10,
    photos: [
      jobViewPhoto({ photoId: "ph_1", clientId: "f_1", filename: "a.jpg", bytes: 100, progressPercent: 40 }),
      jobViewPhoto({ photoId: "ph_2", clientId: "f_2", filename: "b.jpg", bytes: 200, progressPercent: 10 }),
    ],
    ...over,
  });

const photo = (over: Partial<PhotoMessage>): PhotoMessage =>
  photoPush({ photoId: "ph_1", progressPercent: 50, bytesSent: 50, seq: 10, ...over });

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
    const job = jobPush({
      jobId: v.jobId,
      status: "COMPLETED",
      totalCount: v.totalCount,
      uploadingCount: 0,
      completedCount: 2,
      seq: v.seq,
    });
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
