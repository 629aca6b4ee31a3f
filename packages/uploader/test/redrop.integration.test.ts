import type { CreateJobRequest } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inThreadHasher } from "../src/index.js";
import { type Harness, startHarness } from "./support/harness.js";

/**
 * Hashing only files that could be duplicates (the engine's default), against the real server with no
 * processing worker, so every photo stays PROCESSING: new photos go up unhashed, and the same files
 * picked again from a new page (a reload) are still answered as duplicates, because the server hashes
 * the stored copies of their sizes on demand. No byte of them is sent twice.
 */
describe("the same files picked again while their first copies process unhashed", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("sends them unhashed the first time and answers every one as a duplicate the second", async () => {
    const files = await Promise.all(
      Array.from({ length: 5 }, (_, i) => h.randomFile(`holiday-${i}.jpg`, 150_000 + i * 1_111)),
    );
    const requests: CreateJobRequest[] = [];
    const api = {
      ...h.api,
      createJob: (body: CreateJobRequest, signal: AbortSignal) => {
        requests.push(body);
        return h.api.createJob(body, signal);
      },
    };
    const puts = () => h.proxy.log.filter((e) => e.method === "PUT").length;

    const first = h.uploader({ api, hasher: inThreadHasher });
    const firstIds = first.add(files.map((f) => f.source));
    await first.whenIdle();
    const stored = firstIds.map((id) => first.store.getState().files[id]);
    expect(stored.map((f) => f?.status)).toEqual(Array(5).fill("PROCESSING"));
    // No other size was known: at most the first file went with a hash (hashed while the size question
    // was out, kept if its hash was in before the answer).
    expect(requests.flatMap((r) => r.files).filter((f) => f.sha256).length).toBeLessThanOrEqual(1);
    expect(puts()).toBe(5);
    first.destroy();

    requests.length = 0;
    const second = h.uploader({ api, hasher: inThreadHasher });
    const secondIds = second.add(files.map((f) => f.source));
    await second.whenIdle();
    const again = secondIds.map((id) => second.store.getState().files[id]);
    expect(requests.flatMap((r) => r.files).map((f) => f.sha256)).toEqual(files.map((f) => f.sha256));
    expect(again.map((f) => f?.duplicateOf?.photoId)).toEqual(stored.map((f) => f?.photoId));
    expect(puts()).toBe(5);
  });
});
