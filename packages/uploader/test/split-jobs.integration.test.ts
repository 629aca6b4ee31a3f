import type { ProgressRequest } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UploadApi } from "../src/index.js";
import { type Harness, startHarness } from "./support/harness.js";

/**
 * A selection larger than the server's per-job limit, against the real server with the limit set
 * low (MAX_FILES_PER_JOB=10): the engine learns the limit from the refusal and sends 25 files as
 * three jobs, created one after another as the queue drains.
 */
describe("a selection larger than one job, against the real server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_FILES_PER_JOB: "10" } });
  });
  afterAll(() => h?.close());

  it("becomes several jobs of the server's size, every file stored, one batch", async () => {
    const files = await Promise.all(Array.from({ length: 25 }, (_, i) => h.randomFile(`split-${i}.jpg`, 40_000 + i)));
    const uploader = h.uploader({
      limits: { maxActiveFiles: 2, maxRequests: 2 },
      registerAhead: 3,
      // All in one slice: a slice's time budget on a loaded machine would cut the selection where the
      // clock says (add-slices.test.ts covers that), and the job sizes are the point here.
      addSlices: { first: 2000, budgetMs: Number.POSITIVE_INFINITY },
    });
    const ids = uploader.add(files.map((f) => f.source));
    await uploader.whenIdle();

    const state = uploader.store.getState();
    const rows = ids.map((id) => state.files[id]!);
    expect(rows.filter((f) => f.status !== "PROCESSING").map((f) => [f.name, f.status, f.error])).toEqual([]);
    expect(h.jobs.map((job) => job.items.length)).toEqual([10, 10, 5]);
    expect(new Set(rows.map((f) => f.batchId)).size).toBe(1);
    const stored = await Promise.all(rows.map((f) => h.storedSha256(f.photoId!)));
    expect(stored).toEqual(files.map((f) => f.sha256));
    for (const job of h.jobs) {
      const view = await h.api.getJob(job.jobId!, new AbortController().signal);
      expect(view).toMatchObject({ totalCount: job.items.length, processingCount: job.items.length });
    }
  });
});

describe("progress reports, against the real server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("go one at a time for the tab and only say what changed", async () => {
    const reports: ProgressRequest[] = [];
    let inFlight = 0;
    let peak = 0;
    const api: UploadApi = {
      ...h.api,
      reportProgress: async (body, signal) => {
        reports.push(body);
        peak = Math.max(peak, ++inFlight);
        try {
          await h.api.reportProgress(body, signal);
        } finally {
          inFlight--;
        }
      },
    };
    // 4 files of 400 kB at 200 kB/s per connection: each is on its way ~2 s, several reports' worth.
    h.proxy.bytesPerSecond = 200_000;
    const files = await Promise.all(Array.from({ length: 4 }, (_, i) => h.randomFile(`slow-${i}.jpg`, 400_000)));
    const uploader = h.uploader({ api, progressReportMs: 300 });
    const ids = uploader.add(files.map((f) => f.source));
    await uploader.whenIdle();
    h.proxy.bytesPerSecond = 0;

    const state = uploader.store.getState();
    expect(ids.map((id) => state.files[id]!.status)).toEqual(Array(4).fill("PROCESSING"));
    expect(reports.length).toBeGreaterThan(0);
    expect(peak).toBe(1);
    // No report repeats a photo's last value.
    const last = new Map<string, number>();
    for (const u of reports.flatMap((r) => r.updates)) {
      expect(last.get(u.photoId)).not.toBe(u.bytesSent);
      last.set(u.photoId, u.bytesSent);
    }
  });
});
