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

describe("ProgressReporter", () => {
  let reporter: ProgressReporter | null = null;
  afterEach(() => reporter?.stop());

  it("keeps one request per job in flight and sends the latest value per photo next", async () => {
    const { api, sent, answers } = fakeApi();
    reporter = new ProgressReporter(api, 60_000); // flushed by hand
    reporter.update("job_a", "ph_1", 10, 100);
    reporter.flush();
    expect(sent).toEqual([{ jobId: "job_a", updates: [{ photoId: "ph_1", bytesSent: 10, bytesTotal: 100 }] }]);

    reporter.update("job_a", "ph_1", 20, 100);
    reporter.update("job_a", "ph_1", 150, 100); // clamped to the total
    reporter.flush();
    expect(sent).toHaveLength(1); // the first request is still out

    answers[0]!.resolve();
    await tick();
    reporter.flush();
    expect(sent[1]).toEqual({ jobId: "job_a", updates: [{ photoId: "ph_1", bytesSent: 100, bytesTotal: 100 }] });
  });

  it("drops a forgotten photo's pending report", () => {
    const { api, sent } = fakeApi();
    reporter = new ProgressReporter(api, 60_000);
    reporter.update("job_a", "ph_1", 10, 100);
    reporter.update("job_a", "ph_2", 5, 100);
    reporter.forget("job_a", "ph_1");
    reporter.flush();
    expect(sent).toEqual([{ jobId: "job_a", updates: [{ photoId: "ph_2", bytesSent: 5, bytesTotal: 100 }] }]);
  });

  it("takes a 409 (every photo moved on) as expected and reports other failures", async () => {
    const { api, answers } = fakeApi();
    const errors: unknown[] = [];
    reporter = new ProgressReporter(api, 60_000, (error) => errors.push(error));
    reporter.update("job_a", "ph_1", 10, 100);
    reporter.update("job_b", "ph_2", 10, 100);
    reporter.flush();
    const failure = new ApiError(503, "SERVICE_UNAVAILABLE", "down");
    answers[0]!.reject(new ApiError(409, "ILLEGAL_TRANSITION", "moved on"));
    answers[1]!.reject(failure);
    await tick();
    expect(errors).toEqual([failure]);
  });

  it("sends nothing and reports nothing once stopped", async () => {
    const { api, sent, answers } = fakeApi();
    const errors: unknown[] = [];
    reporter = new ProgressReporter(api, 60_000, (error) => errors.push(error));
    reporter.update("job_a", "ph_1", 10, 100);
    reporter.flush();
    reporter.stop();
    answers[0]!.reject(new Error("aborted"));
    await tick();
    reporter.update("job_a", "ph_1", 20, 100);
    reporter.flush();
    expect(sent).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
