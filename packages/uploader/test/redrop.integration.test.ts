import { randomBytes } from "node:crypto";
import type { CreateJobRequest } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesSource, inThreadHasher } from "../src/index.js";
import { type Harness, startHarness, until } from "./support/harness.js";

/** The real server with no processing worker: every photo stored stays PROCESSING. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** The harness's api, noting every job creation asked of it. */
function recordingApi() {
  const requests: CreateJobRequest[] = [];
  const api = {
    ...h.api,
    createJob: (body: CreateJobRequest, signal: AbortSignal) => {
      requests.push(body);
      return h.api.createJob(body, signal);
    },
  };
  return { api, requests };
}

/**
 * Hashing only files that could be duplicates (the engine's default): new photos go up unhashed,
 * and the same files picked again from a new page (a reload) are still answered as duplicates,
 * because the server hashes the stored copies of their sizes on demand. No byte of them is sent twice.
 */
describe("the same files picked again while their first copies process unhashed", () => {
  it("sends them unhashed the first time and answers every one as a duplicate the second", async () => {
    const files = await Promise.all(
      Array.from({ length: 5 }, (_, i) => h.randomFile(`holiday-${i}.jpg`, 150_000 + i * 1_111)),
    );
    const { api, requests } = recordingApi();
    const logFrom = h.proxy.log.length;
    const puts = () => h.proxy.log.slice(logFrom).filter((e) => e.method === "PUT").length;

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

/**
 * The same file twice in one selection, the copy registered in a later job (a large selection becomes
 * several) while the first is still being sent: the server answers a hashed file only with photos
 * whose bytes are stored, so the copy waits for the first to be stored and is then its duplicate.
 */
describe("a copy of a file still being sent", () => {
  it("waits for the first to be stored, then is answered as its duplicate without a byte sent", async () => {
    const bytes = randomBytes(160_000);
    const first = bytesSource(bytes, { name: "beach.jpg", type: "image/jpeg" });
    const copy = bytesSource(bytes, { name: "beach (1).jpg", type: "image/jpeg" });
    const { api, requests } = recordingApi();
    const logFrom = h.proxy.log.length;
    // Every PUT is held until the copy is hashed: the first file is still being sent when the copy
    // could be registered.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    h.proxy.rule = (r) => (r.method === "PUT" ? { kind: "hold", until: released } : { kind: "pass" });
    const uploader = h.uploader({ api, hasher: inThreadHasher });

    const [firstId] = uploader.add([first]);
    await until(uploader, (s) => s.files[firstId!]?.status === "UPLOADING");
    const [copyId] = uploader.add([copy]);
    // Held, and the panel is told why (the store flushes once per frame, hence the wait).
    await until(uploader, (s) => s.files[copyId!]?.awaitingOriginal === true);
    expect(uploader.store.getState().files[copyId!]?.sha256).not.toBeNull();
    expect(requests).toHaveLength(1); // the copy is not registered while the first is being sent
    release();
    await uploader.whenIdle();

    const files = uploader.store.getState().files;
    expect(files[firstId!]!.status).toBe("PROCESSING");
    expect(files[copyId!]).toMatchObject({ status: "COMPLETED", bytesSent: 0, awaitingOriginal: false });
    expect(files[copyId!]!.duplicateOf?.photoId).toBe(files[firstId!]!.photoId);
    expect(requests.map((r) => r.files.map((f) => f.filename))).toEqual([["beach.jpg"], ["beach (1).jpg"]]);
    expect(h.proxy.log.slice(logFrom).filter((e) => e.method === "PUT" && e.status === 200)).toHaveLength(1);
    h.proxy.rule = () => ({ kind: "pass" });
  });
});
