import { describe, expect, it } from "vitest";
import { jobPush, photoPush } from "../testing/index.js";
import { PushBody, type PushMessage } from "./messages.js";
import { compactPushBody } from "./push-batches.js";

const A = "job_aaaaaaaa";
const B = "job_bbbbbbbb";
const photo = (jobId: string, seq: number, photoId = "ph_1"): PushMessage =>
  photoPush({ jobId, photoId, status: "PROCESSING", seq });
const job = (jobId: string, seq: number): PushMessage => jobPush({ jobId, seq, completedCount: seq });

describe("compactPushBody", () => {
  it("keeps a job's last job message only, every photo message in order, and says where each shortened job starts", () => {
    const events = [photo(A, 2), job(A, 3), photo(B, 7), photo(A, 4, "ph_2"), job(B, 8), job(A, 5)];
    const body = compactPushBody(events, { wholeJobs: true });
    expect(body).toEqual({
      type: "batch",
      events: [photo(A, 2), photo(B, 7), photo(A, 4, "ph_2"), job(B, 8), job(A, 5)],
      seqFrom: { [A]: 2 },
    });
    // What the wire carries reads back the same.
    expect(PushBody.parse(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });

  it("sends the events as they are when no job has two job messages", () => {
    const events = [photo(A, 2), job(A, 3), photo(A, 4)];
    expect(compactPushBody(events, { wholeJobs: true })).toEqual({ type: "batch", events });
    expect(compactPushBody([job(A, 3)], { wholeJobs: true })).toEqual(job(A, 3));
  });

  it("makes a batch of one event when it says where it starts", () => {
    const body = compactPushBody([job(A, 3), job(A, 5)], { wholeJobs: true });
    expect(body).toEqual({ type: "batch", events: [job(A, 5)], seqFrom: { [A]: 3 } });
    expect(PushBody.safeParse(body).success).toBe(true);
  });

  it("on a destination without every message of its jobs (a user's queue) says nothing of where they start", () => {
    expect(compactPushBody([job(A, 3), job(B, 4), job(A, 5)], { wholeJobs: false })).toEqual({
      type: "batch",
      events: [job(B, 4), job(A, 5)],
    });
    expect(compactPushBody([job(A, 3), job(A, 5)], { wholeJobs: false })).toEqual(job(A, 5));
  });
});
