import path from "node:path";
import { startTestServer } from "@rapidphoto/server/testing";
import { configureSharp, createDiskStorage, createHeicDecoder, processImage } from "@rapidphoto/server/testing/bench";
import { makeTestJpeg } from "@rapidphoto/server/testing/jpeg";
import sharp from "sharp";
import { type BenchResult, median, round, timeRuns } from "./measure.js";

const MB = 1_000_000;

/**
 * Upload service: job creation cost as jobs grow, part-URL signing through the API against the
 * bare adapter, and processing throughput against the bare pipeline on the same photos.
 */
export async function serverBench(): Promise<BenchResult> {
  const server = await startTestServer();
  const { app, dataDir } = server;
  try {
    const call = async (method: "GET" | "POST", url: string, token?: string, payload?: unknown) => {
      const res = await app.inject({
        method,
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const { token } = await call("POST", "/api/auth/register", undefined, {
      email: "bench@example.com",
      password: "benchmark password",
    });
    const files = (n: number, bytes = 2 * MB) =>
      Array.from({ length: n }, (_, i) => ({ filename: `IMG_${i}.jpg`, mimeType: "image/jpeg", bytes }));

    // 1. Creating jobs: per-file cost at 100 and 1,000 files (a ratio near 1 means linear).
    const create100 = median(
      await timeRuns(15, () => call("POST", "/commands/upload-jobs", token, { files: files(100) })),
    );
    const create1000 = median(
      await timeRuns(7, () => call("POST", "/commands/upload-jobs", token, { files: files(1000) })),
    );
    const createMultipart100 = median(
      await timeRuns(7, () => call("POST", "/commands/upload-jobs", token, { files: files(100, 50 * MB) })),
    );

    // 2. Part URLs: through the API (auth, lookup, validation) vs the adapter alone, 100 per request.
    const { items } = await call("POST", "/commands/upload-jobs", token, { files: files(1, 5_000 * MB) });
    const photoId = items[0].photoId;
    const partNumbers = Array.from({ length: 100 }, (_, i) => i + 1);
    const apiSign = median(
      await timeRuns(20, () => call("POST", `/commands/upload/${photoId}/parts`, token, { partNumbers })),
    );
    const bare = createDiskStorage({
      rootDir: path.join(dataDir, "bare"),
      publicUrl: "http://x",
      secret: Buffer.alloc(32, 1),
    });
    const { uploadId } = await bare.createMultipart("bench/key", { contentType: "image/jpeg" });
    const bareSign = median(
      await timeRuns(20, () =>
        Promise.all(
          partNumbers.map((n) => bare.presignPart("bench/key", uploadId, n, { expiresInSec: 900, maxBytes: 8 * MB })),
        ),
      ),
    );
    await bare.close();

    // 3. Processing: 100 finalized 2 MB photos to COMPLETED, vs the bare pipeline on the same bytes.
    const photos = await Promise.all(
      Array.from({ length: 100 }, () => makeTestJpeg({ width: 1600, height: 1200, targetBytes: 2 * MB })),
    );
    configureSharp();
    const { Readable } = await import("node:stream");
    const heic = createHeicDecoder();
    const bareStart = performance.now();
    const queue = [...photos];
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const bytes = p;
          await processImage({
            read: async () => Readable.from([bytes]),
            expectedBytes: bytes.length,
            heic,
          });
        }
      }),
    );
    const bareMs = performance.now() - bareStart;
    await heic.close();

    const job = await call("POST", "/commands/upload-jobs", token, {
      files: photos.map((p, i) => ({ filename: `p${i}.jpg`, mimeType: "image/jpeg", bytes: p.length })),
    });
    for (const [i, item] of job.items.entries()) {
      const res = await fetch(item.url, { method: "PUT", body: photos[i] });
      if (!res.ok) throw new Error(`PUT ${res.status}`);
    }
    // Finalize all, then time from the last finalize until every photo is COMPLETED.
    for (const item of job.items) await call("POST", `/commands/upload/${item.photoId}/finalize`, token, {});
    const lastFinalize = performance.now();
    for (;;) {
      const view = await call("GET", `/queries/upload-jobs/${job.jobId}`, token);
      if (view.completedCount + view.failedCount === 100) {
        if (view.failedCount) throw new Error("processing failed");
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const drainMs = performance.now() - lastFinalize;
    void sharp; // sharp is configured through the pipeline

    return {
      name: "server",
      metrics: {
        "create job, 100 files (median)": { value: round(create100, 1), unit: "ms" },
        "create job, 1,000 files (median)": { value: round(create1000, 1), unit: "ms" },
        "per-file cost ratio 1,000 vs 100": {
          value: round(create1000 / 10 / create100),
          unit: "×",
          note: "1.0 = linear",
        },
        "create job, 100 multipart files of 50 MB (median)": {
          value: round(createMultipart100, 1),
          unit: "ms",
          note: "one CreateMultipartUpload each",
        },
        "part URLs signed per second (API, 100 per request)": { value: Math.round(100_000 / apiSign), unit: "URLs/s" },
        "part URLs signed per second (adapter alone)": { value: Math.round(100_000 / bareSign), unit: "URLs/s" },
        "API signing overhead ratio": { value: round(apiSign / bareSign), unit: "×" },
        "last finalize → 100 photos COMPLETED": { value: round(drainMs / 1000, 2), unit: "s" },
        "processing throughput (worker)": { value: round(100 / (drainMs / 1000), 1), unit: "photos/s" },
        "processing throughput (bare pipeline, same photos)": {
          value: round(100 / (bareMs / 1000), 1),
          unit: "photos/s",
        },
        "worker / bare pipeline throughput ratio": {
          value: round(bareMs / drainMs),
          unit: "×",
          note: "1.0 = no overhead",
        },
      },
      notes: [
        "Embedded defaults (PGlite + disk), in one process; photos are 1600×1200 noise JPEGs of 2 MB (worst case for the decoder).",
        "Worker ratio compares the same 100 photos through the whole worker (claims, storage reads, thumbnail writes, transactions) against processImage alone at the same concurrency.",
      ],
    };
  } finally {
    await server.close();
  }
}
