import { PARTS_SIGNED_WITH_ITEM } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_REQUESTS, selectTotals } from "../src/index.js";
import { type Harness, startHarness, watchProgress } from "./support/harness.js";

const MiB = 1024 * 1024;

describe("uploading to the real server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("stores 100 files of ~2 MB and one 60 MB multipart file byte for byte, with exact progress", async () => {
    const files = await Promise.all(
      Array.from({ length: 100 }, (_, i) => h.randomFile(`photo-${i}.jpg`, 2 * MiB - 50_000 + i * 1_000)),
    );
    const big = await h.randomFile("panorama.jpg", 60 * MiB + 12_345);
    const uploader = h.uploader({ progressReportMs: 100 });
    const progress = watchProgress(uploader);

    const ids = uploader.add([...files.map((f) => f.source), big.source]);
    await uploader.whenIdle();
    progress.unsubscribe();

    const state = uploader.store.getState();
    const rows = ids.map((id) => state.files[id]!);
    expect(rows.filter((f) => f.status !== "PROCESSING").map((f) => [f.name, f.status, f.error])).toEqual([]);
    expect(rows.at(-1)).toMatchObject({ method: "MULTIPART", partCount: 8, partsDone: 8 });
    const totalBytes = [...files, big].reduce((sum, f) => sum + f.source.size, 0);
    expect(selectTotals(state)).toMatchObject({ bytesSent: totalBytes, bytesTotal: totalBytes, percent: 100 });
    for (const f of rows) expect(f.bytesSent).toBe(f.bytesTotal);
    expect(progress.drops).toEqual([]);
    expect(progress.seen.maxSpeed).toBeGreaterThan(0);

    // Every stored object is the file, byte for byte.
    const expected = [...files, big].map((f) => f.sha256);
    const stored = await Promise.all(rows.map((f) => h.storedSha256(f.photoId!)));
    expect(stored).toEqual(expected);

    // The request limit held on the wire, and nothing was sent twice.
    expect(h.proxy.peakConcurrent).toBeLessThanOrEqual(DEFAULT_MAX_REQUESTS);
    expect(h.proxy.log.filter((e) => e.method === "PUT")).toHaveLength(100 + 8);

    // The server agrees, over the jobs that carried them (the selection is added in slices: the
    // first job is made of the files recorded in the picking task, add-slices.ts).
    const signal = new AbortController().signal;
    const jobIds = [...new Set(rows.map((f) => f.jobId!))];
    const jobs = await Promise.all(jobIds.map((jobId) => h.api.getJob(jobId, signal)));
    const sum = (key: "totalCount" | "processingCount") => jobs.reduce((n, job) => n + job[key], 0);
    expect({ totalCount: sum("totalCount"), processingCount: sum("processingCount") }).toEqual({
      totalCount: 101,
      processingCount: 101,
    });
  });

  it("starts a multipart file on the URLs its item came with, and signs only the parts past them", async () => {
    // 5 parts: all come with the job. 8 parts: the first PARTS_SIGNED_WITH_ITEM do, 7 and 8 are asked for.
    const five = await h.randomFile("five-parts.jpg", 40 * MiB - 4_321);
    const eight = await h.randomFile("eight-parts.jpg", 60 * MiB + 12_345);
    const signed: { photoId: string; partNumbers: number[] }[] = [];
    const uploader = h.uploader({
      api: {
        ...h.api,
        signParts: (photoId, partNumbers, signal) => {
          signed.push({ photoId, partNumbers });
          return h.api.signParts(photoId, partNumbers, signal);
        },
      },
    });
    const ids = uploader.add([five.source, eight.source]);
    await uploader.whenIdle();

    const state = uploader.store.getState();
    const rows = ids.map((id) => state.files[id]!);
    expect(rows.map((f) => [f.status, f.partCount, f.partsDone])).toEqual([
      ["PROCESSING", 5, 5],
      ["PROCESSING", 8, 8],
    ]);
    expect(await Promise.all(rows.map((f) => h.storedSha256(f.photoId!)))).toEqual([five.sha256, eight.sha256]);
    expect(PARTS_SIGNED_WITH_ITEM).toBe(6);
    expect(signed.filter((s) => s.photoId === rows[0]!.photoId)).toEqual([]);
    const asked = signed.filter((s) => s.photoId === rows[1]!.photoId).flatMap((s) => s.partNumbers);
    expect(asked.sort((a, b) => a - b)).toEqual([7, 8]);
    // Each part went up once: no URL that came with the job was refused.
    expect(h.proxy.log.filter((e) => e.method === "PUT" && rows.some((f) => f.photoId === e.photoId))).toHaveLength(13);
  });
});
