import { describe, expect, it } from "vitest";
import { MAX_PUSH_BATCH, PushBody, type PushMessage, pushBody, pushEvents } from "./messages.js";

const photo = (seq: number, photoId = "ph_1"): PushMessage => ({
  type: "photo",
  jobId: "job_abcdefgh",
  photoId,
  status: "UPLOADING",
  progressPercent: 10,
  bytesSent: 10,
  bytesTotal: 100,
  seq,
  timestamp: "2026-01-01T00:00:00.000Z",
});
const job = (seq: number): PushMessage => ({
  type: "job",
  jobId: "job_abcdefgh",
  status: "IN_PROGRESS",
  totalCount: 2,
  queuedCount: 1,
  uploadingCount: 1,
  processingCount: 0,
  completedCount: 0,
  failedCount: 0,
  cancelledCount: 0,
  seq,
  timestamp: "2026-01-01T00:00:00.000Z",
});

describe("PushBody", () => {
  it("reads a batch's events in the order sent", () => {
    const events = [photo(3), photo(4, "ph_2"), job(5)];
    const body = PushBody.parse(JSON.parse(JSON.stringify({ type: "batch", events })));
    expect(pushEvents(body)).toEqual(events);
  });

  it("reads a lone message as a body of one event", () => {
    expect(pushEvents(PushBody.parse(job(2)))).toEqual([job(2)]);
  });

  it.each([
    ["an invalid event inside", { type: "batch", events: [photo(1), { ...job(2), seq: "two" }] }],
    ["a batch inside a batch", { type: "batch", events: [photo(1), { type: "batch", events: [job(2), job(3)] }] }],
    ["fewer than two events", { type: "batch", events: [photo(1)] }],
    [
      "more than the most a batch holds",
      { type: "batch", events: Array.from({ length: MAX_PUSH_BATCH + 1 }, (_, i) => photo(i)) },
    ],
    ["an unknown family", { type: "album", jobId: "job_abcdefgh", seq: 1 }],
  ])("refuses %s", (_what, body) => {
    expect(PushBody.safeParse(body).success).toBe(false);
  });
});

describe("pushBody", () => {
  it("sends one event as itself and several as a batch", () => {
    expect(pushBody([photo(1)])).toEqual(photo(1));
    expect(pushBody([photo(1), job(2)])).toEqual({ type: "batch", events: [photo(1), job(2)] });
    expect(() => pushBody([])).toThrow(RangeError);
  });
});
