import type { CreateJobResponse } from "@rapidphoto/protocol";
import type { UploadApi } from "@rapidphoto/uploader";
import { describe, expect, it } from "vitest";
import { withCreateMarks } from "./create-marks";

/** An API whose creates are answered when the test says so. */
function manualApi() {
  const calls: { resolve: (v: Partial<CreateJobResponse>) => void; reject: (e: unknown) => void }[] = [];
  const createJob = (() =>
    new Promise((resolve, reject) => {
      calls.push({ resolve, reject });
    })) as unknown as UploadApi["createJob"];
  return { api: { createJob }, calls };
}

describe("withCreateMarks", () => {
  it("keeps, per job answered, what `mark` said when its create was sent", async () => {
    const { api, calls } = manualApi();
    let mark = 1;
    const marked = withCreateMarks(api, () => mark);
    const first = marked.createJob({} as never, new AbortController().signal);
    mark = 2; // e.g. the live sync reconnected meanwhile
    const second = marked.createJob({} as never, new AbortController().signal);
    const third = marked.createJob({} as never, new AbortController().signal).catch((e: unknown) => e);
    calls[1]!.resolve({ jobId: "job_2" });
    calls[0]!.resolve({ jobId: "job_1" });
    calls[2]!.reject(new Error("refused"));
    await expect(first).resolves.toEqual({ jobId: "job_1" });
    await second;
    expect(await third).toEqual(new Error("refused")); // the caller still sees the refusal
    expect(marked.sentAt("job_1")).toBe(1);
    expect(marked.sentAt("job_2")).toBe(2);
    expect(marked.sentAt("job_3")).toBeUndefined();
  });

  it("forgets the marks of jobs that ended, and keeps the others", async () => {
    const { api, calls } = manualApi();
    const marked = withCreateMarks(api, () => 1);
    const creates = ["job_1", "job_2", "job_3"].map((jobId, i) => {
      const answer = marked.createJob({} as never, new AbortController().signal);
      calls[i]!.resolve({ jobId });
      return answer;
    });
    await Promise.all(creates);
    expect(marked.markCount).toBe(3);
    marked.forgetEnded((jobId) => jobId !== "job_2");
    expect([marked.sentAt("job_1"), marked.sentAt("job_2"), marked.sentAt("job_3")]).toEqual([undefined, 1, undefined]);
    marked.forgetEnded(() => true);
    expect(marked.markCount).toBe(0);
  });
});
