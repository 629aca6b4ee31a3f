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

  it("marks a photo waiting for its file on a lapsed-lease push, until a newer push about it says otherwise", () => {
    const before = view();
    const lapsed = applyPushToJobView(before, photo({ progressPercent: 40, seq: 11, waitingForFile: true }));
    expect(lapsed.photos[0]).toMatchObject({ status: "UPLOADING", progressPercent: 40, waitingForFile: true });
    expect(lapsed.seq).toBe(11);
    expect(lapsed.photos[1]).toBe(before.photos[1]);
    // A push older than the view (sent before the lapse) changes nothing.
    expect(applyPushToJobView(lapsed, photo({ progressPercent: 40, seq: 10 }))).toBe(lapsed);
    // A sender again: its progress, at the job's current seq, clears the mark.
    const resumed = applyPushToJobView(lapsed, photo({ progressPercent: 60, seq: 11 }));
    expect(resumed.photos[0]).toMatchObject({ progressPercent: 60, waitingForFile: false });
    // A fetched view's mark is cleared the same way.
    const fetched = view({ photos: [{ ...view().photos[0]!, waitingForFile: true }] });
    expect(
      applyPushToJobView(fetched, photo({ status: "PROCESSING", progressPercent: 100, seq: 11 })).photos[0],
    ).toMatchObject({ status: "PROCESSING", waitingForFile: false });
  });

  it("keeps a cache that pushes took past a slower fetch", () => {
    const cached = view({ seq: 15 });
    expect(newerJobView(cached, view({ seq: 12 }))).toBe(cached);
    const fetched = view({ seq: 15 });
    expect(newerJobView(cached, fetched)).toBe(fetched);
    expect(newerJobView(undefined, fetched)).toBe(fetched);
  });
});
