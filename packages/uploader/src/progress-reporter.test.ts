import type { ProgressRequest } from "@rapidphoto/protocol";
import { afterEach, describe, expect, it } from "vitest";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";
import { ProgressReporter } from "./progress-reporter.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** An API whose reportProgress answers only when the test says so. */
function fakeApi() {
  const sent: ProgressRequest[] = [];
  const answers: { resolve(): void; reject(error: unknown): void }[] = [];
  const api = {
    reportProgress: (body: ProgressRequest) => {
      sent.push(body);
      return new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
    },
  } as unknown as UploadApi;
  return { api, sent, answers };
}

const INTERVAL = 1_000;

describe("ProgressReporter", () => {
  let reporter: ProgressReporter | null = null;
  let now = 0;
  afterEach(() => reporter?.stop());
  /** A reporter flushed by hand, on a clock the test moves. */
  const make = (api: UploadApi, onError?: (error: unknown) => void) => {
    now = 0;
    reporter = new ProgressReporter(api, INTERVAL, onError, () => now);
    return reporter;
  };

  it("reports a photo only once it has been on its way a whole interval: a fast file is never reported", () => {
    const { api, sent } = fakeApi();
    const r = make(api);
    r.update("job_a", "ph_fast", 10, 100);
    r.update("job_a", "ph_slow", 10, 100);
    now = INTERVAL - 1;
    r.flush();
    expect(sent).toEqual([]);
    r.forget("job_a", "ph_fast"); // finalized within the interval
    now = INTERVAL;
    r.flush();
    expect(sent).toEqual([{ jobId: "job_a", updates: [{ photoId: "ph_slow", bytesSent: 10, bytesTotal: 100 }] }]);
  });

  it("keeps one request in flight for the whole tab, sends the latest value next, and only what changed", async () => {
    const { api, sent, answers } = fakeApi();
    const r = make(api);
    r.update("job_a", "ph_1", 10, 100);
    r.update("job_a", "ph_2", 10, 100);
    r.update("job_b", "ph_3", 10, 100);
    now = INTERVAL;
    r.flush();
    expect(sent).toEqual([
      {
        jobId: "job_a",
        updates: [
          { photoId: "ph_1", bytesSent: 10, bytesTotal: 100 },
          { photoId: "ph_2", bytesSent: 10, bytesTotal: 100 },
        ],
      },
    ]);

    r.update("job_a", "ph_1", 20, 100);
    r.update("job_a", "ph_1", 150, 100); // clamped to the total
    r.flush();
    expect(sent).toHaveLength(1); // the first request is still out, and no other job goes meanwhile

    answers[0]!.resolve();
    await tick();
    r.flush(); // job_b's turn
    expect(sent[1]).toEqual({ jobId: "job_b", updates: [{ photoId: "ph_3", bytesSent: 10, bytesTotal: 100 }] });
    answers[1]!.resolve();
    await tick();
    r.flush(); // job_a again, with only the photo whose bytes moved
    expect(sent[2]).toEqual({ jobId: "job_a", updates: [{ photoId: "ph_1", bytesSent: 100, bytesTotal: 100 }] });
    answers[2]!.resolve();
    await tick();
    r.flush(); // nothing moved since
    expect(sent).toHaveLength(3);
  });

  it("takes a 409 (every photo moved on) as expected, forgets those photos, and reports other failures", async () => {
    const { api, sent, answers } = fakeApi();
    const errors: unknown[] = [];
    const r = make(api, (error) => errors.push(error));
    r.update("job_a", "ph_1", 10, 100);
    r.update("job_b", "ph_2", 10, 100);
    now = INTERVAL;
    r.flush();
    answers[0]!.reject(new ApiError(409, "ILLEGAL_TRANSITION", "moved on"));
    await tick();
    r.flush();
    const failure = new ApiError(503, "SERVICE_UNAVAILABLE", "down");
    answers[1]!.reject(failure);
    await tick();
    expect(errors).toEqual([failure]);
    // The failed report is said again; the photo that moved on is not.
    r.flush();
    expect(sent.map((b) => b.jobId)).toEqual(["job_a", "job_b", "job_b"]);
  });

  it("sends nothing and reports nothing once stopped", async () => {
    const { api, sent, answers } = fakeApi();
    const errors: unknown[] = [];
    const r = make(api, (error) => errors.push(error));
    r.update("job_a", "ph_1", 10, 100);
    now = INTERVAL;
    r.flush();
    r.stop();
    answers[0]!.reject(new Error("aborted"));
    await tick();
    r.update("job_a", "ph_1", 20, 100);
    r.flush();
    expect(sent).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
