import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { bytesSource, DEFAULT_REGISTER_AHEAD } from "../src/index.js";
import { memoryBackend, uploaderOn } from "./support/memory-backend.js";

/**
 * A selection of 2,500 files at the server's default limit (1,000 files per job): split into jobs
 * the engine creates one at a time as the queue drains, so each job's URLs are signed shortly
 * before its files are sent; one batch to the user. (split-jobs.integration.test.ts does the same
 * against the real server with a limit of 10.)
 */
describe("a 2,500-file selection", () => {
  it("is sent as jobs of at most 1,000 files, each created when the queue runs low, as one batch", async () => {
    const backend = memoryBackend();
    const uploader = uploaderOn(backend);
    // Per job create: how many files had been sent (a PUT made) when it was asked for.
    const sentAtCreate: number[] = [];
    const createJob = backend.api.createJob;
    backend.api.createJob = (body, signal) => {
      sentAtCreate.push(backend.puts.length);
      return createJob(body, signal);
    };
    const count = 2_500;
    const ids = uploader.add(
      Array.from({ length: count }, (_, i) =>
        bytesSource(new Uint8Array([i & 0xff, i >> 8]), { name: `p${i}.jpg`, type: "image/jpeg" }),
      ),
    );
    // whenIdle waits for the last slice's job: it resolved before that job was asked for when the
    // last slice came in with nothing left to send (16-136 of the 2,500 files still unregistered).
    await uploader.whenIdle();
    expect(ids.filter((id) => uploader.store.getState().files[id]?.status !== "PROCESSING")).toEqual([]);

    const { files } = uploader.store.getState();
    const sizes = backend.calls
      .filter((c) => c.name === "createJob")
      .map((c) => (c.args as { files: unknown[] }).files.length);
    // This stand-in answers at once, so the queue drains faster than the selection's slices arrive
    // (add-slices.ts) and the registrar makes jobs of what is there: more than three, none over the limit.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(count);
    expect(sizes.every((size) => size <= MAX_FILES_PER_JOB)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(count / MAX_FILES_PER_JOB));
    expect(new Set(ids.map((id) => files[id]?.jobId)).size).toBe(sizes.length);
    expect(new Set(ids.map((id) => files[id]?.batchId)).size).toBe(1);
    // Just in time: a job after the first is asked for only once the files registered before it
    // are down to DEFAULT_REGISTER_AHEAD waiting (less the few started and not sent yet).
    let registered = 0;
    for (const [k, sent] of sentAtCreate.entries()) {
      if (k > 0) expect(sent).toBeGreaterThanOrEqual(registered - DEFAULT_REGISTER_AHEAD - 20);
      registered += sizes[k] ?? 0;
    }
    uploader.destroy();
  });
});
