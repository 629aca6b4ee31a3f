import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/index.js";
import { type Harness, startHarness, until } from "./support/harness.js";

/**
 * Storage that cannot be written answers 503 STORAGE_UNAVAILABLE (job creation, PUT, part,
 * finalize); the engine keeps retrying with backoff and the files finish once storage is back.
 */
describe("a storage outage, against the real server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  /** tmp/ replaced by a file: every write to disk storage starts there (and root cannot bypass it). */
  async function breakStorage(): Promise<() => Promise<void>> {
    const tmp = path.join(h.server.dataDir, "tmp");
    await rename(tmp, `${tmp}.away`);
    await writeFile(tmp, "not a directory");
    return async () => {
      await rm(tmp);
      await rename(`${tmp}.away`, tmp);
    };
  }

  it("retries STORAGE_UNAVAILABLE until storage is back, then the files finish", async () => {
    const small = await h.randomFile("small.jpg", 200_000);
    const large = await h.randomFile("large.jpg", 9 * 1024 * 1024); // multipart: job creation needs storage
    const apiCodes: string[] = [];
    const recorded =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        try {
          return await call(...args);
        } catch (error) {
          if (error instanceof ApiError) apiCodes.push(error.code);
          throw error;
        }
      };
    const uploader = h.uploader({
      api: { ...h.api, createJob: recorded(h.api.createJob), finalize: recorded(h.api.finalize) },
      // Enough tries to outlast the outage: the test ends it, not a try count.
      retry: { attempts: 10_000, baseDelayMs: 5, maxDelayMs: 50 },
    });
    const storage503 = () => h.proxy.log.filter((e) => e.status === 503 && e.method === "PUT");

    const restore = await breakStorage();
    let restored = false;
    try {
      const [smallId] = uploader.add([small.source]);
      await until(uploader, () => storage503().length >= 2); // its PUT met the outage, twice
      const [largeId] = uploader.add([large.source]);
      await vi.waitFor(() => expect(apiCodes.filter((c) => c === "STORAGE_UNAVAILABLE").length).toBeGreaterThan(1), {
        timeout: 30_000,
      });
      expect(uploader.store.getState().files[smallId!]?.status).toBe("UPLOADING");
      await restore();
      restored = true;

      await uploader.whenIdle();
      const files = uploader.store.getState().files;
      for (const [id, file] of [
        [smallId!, small],
        [largeId!, large],
      ] as const) {
        expect(files[id]).toMatchObject({ status: "PROCESSING", error: null });
        expect(await h.storedSha256(files[id]!.photoId!)).toBe(file.sha256);
      }
    } finally {
      if (!restored) await restore();
    }
  });
});
