import { describe, expect, it } from "vitest";
import { parsePush } from "./realtime-client";

describe("parsePush", () => {
  it("accepts the protocol's push messages", () => {
    const message = {
      type: "job",
      jobId: "job_aaaaaaaaaaaa",
      status: "IN_PROGRESS",
      totalCount: 2,
      queuedCount: 1,
      uploadingCount: 1,
      processingCount: 0,
      completedCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      seq: 3,
      timestamp: "2025-01-01T00:00:00.000Z",
    };
    expect(parsePush(JSON.stringify(message))).toEqual(message);
  });

  it("drops anything else: not JSON, an unknown family, a photo without its fields", () => {
    expect(parsePush("not json")).toBeNull();
    expect(parsePush(JSON.stringify({ type: "chat", text: "hi" }))).toBeNull();
    expect(parsePush(JSON.stringify({ type: "photo", jobId: "job_a", status: "DONE", seq: 1 }))).toBeNull();
  });
});
