import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import type { FileRecord } from "./file-record.js";
import { HashPipeline } from "./hash-pipeline.js";
import type { UploadSource } from "./source.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise the test settles. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * The pipeline between fakes: the test says how many registered files wait in the queue, finishes
 * each file's hash and each registration when it wants, and reads which jobs were created.
 */
function rig(count: number, concurrency = 1, maxActiveFiles = 3) {
  const records = Array.from(
    { length: count },
    (_, i) => ({ id: String(i + 1), source: { name: `${i + 1}` } as UploadSource }) as FileRecord,
  );
  const hashes = new Map(records.map((r) => [r.source!.name, deferred<string>()]));
  const started: string[] = [];
  const jobs: string[][] = [];
  const registrations: ReturnType<typeof deferred<void>>[] = [];
  const queue = { waitingCount: 0, limits: { maxActiveFiles, maxRequests: maxActiveFiles } };
  const pipeline = new HashPipeline(
    {
      writer: { file: () => ({ priority: 0, status: "QUEUED" }) as never, patchFile: () => {} },
      queue,
      idle: { registrations: 0, check: () => {} },
      life: new AbortController().signal,
    },
    (source) => {
      started.push(source.name);
      return hashes.get(source.name)!.promise;
    },
    (chunk) => {
      jobs.push(chunk.map((r) => r.source!.name));
      const done = deferred<void>();
      registrations.push(done);
      return done.promise;
    },
    concurrency,
  );
  const hash = async (...names: number[]) => {
    for (const n of names) hashes.get(String(n))!.resolve(`sha-${n}`);
    await tick();
  };
  const registered = async () => {
    registrations.at(-1)!.resolve();
    await tick();
  };
  const waiting = async (n: number) => {
    queue.waitingCount = n;
    pipeline.queueChanged();
    await tick();
  };
  return { pipeline, records, started, jobs, hash, registered, waiting };
}

describe("HashPipeline", () => {
  it("registers the first hashed file at once, then jobs at least twice the last while files still wait to be sent", async () => {
    const r = rig(14);
    r.pipeline.add(r.records);
    await r.hash(1);
    expect(r.jobs).toEqual([["1"]]); // nothing to send yet: the first file goes alone
    await r.registered();
    await r.hash(2, 3);
    expect(r.jobs).toHaveLength(1); // nothing registered waits (starving), but 2 hashed cannot fill the 3 slots
    await r.hash(4);
    expect(r.jobs.at(-1)).toEqual(["2", "3", "4"]);
    await r.registered();

    await r.waiting(3); // as many waiting as can run: no job, however many are hashed
    await r.hash(5, 6, 7, 8);
    expect(r.jobs).toHaveLength(2);
    await r.waiting(2); // running low, but 4 hashed < 6 (twice the last job)
    expect(r.jobs).toHaveLength(2);
    await r.hash(9, 10);
    expect(r.jobs.at(-1)).toEqual(["5", "6", "7", "8", "9", "10"]);
    await r.registered();

    await r.waiting(5);
    await r.hash(11, 12, 13);
    await r.waiting(2); // running low, but 3 hashed < 12: wait for more
    expect(r.jobs).toHaveLength(3);
    await r.hash(14); // the last file hashed: the rest goes whatever its size
    expect(r.jobs.at(-1)).toEqual(["11", "12", "13", "14"]);
  });

  it("registers below the target once nothing registered is left to send, and the target never shrinks", async () => {
    const r = rig(20);
    r.pipeline.add(r.records);
    await r.hash(1);
    await r.registered();
    await r.waiting(4);
    await r.hash(2, 3, 4, 5, 6, 7, 8);
    await r.waiting(0);
    expect(r.jobs).toEqual([["1"], ["2", "3", "4", "5", "6", "7", "8"]]);
    await r.registered();
    await r.waiting(2);
    await r.hash(9); // 1 hashed < 14: waits while two registered files are still to send
    expect(r.jobs).toHaveLength(2);
    await r.waiting(0);
    await r.hash(10);
    expect(r.jobs).toHaveLength(2); // starving, but 2 hashed cannot fill the 3 slots yet
    await r.hash(11);
    expect(r.jobs.at(-1)).toEqual(["9", "10", "11"]);
    await r.registered();

    // That small job does not bring the target back down: running low again, 8 hashed < 14 wait.
    await r.waiting(2);
    await r.hash(12, 13, 14, 15, 16, 17, 18, 19);
    expect(r.jobs).toHaveLength(3);
    await r.hash(20); // the last file hashed: the rest goes whatever its size
    expect(r.jobs.map((j) => j.length)).toEqual([1, 7, 3, 9]);
  });

  it("makes a batch a few jobs when hashing is slower than sending (every file sent as soon as registered)", async () => {
    const r = rig(100);
    r.pipeline.add(r.records);
    for (let n = 1; n <= 100; n++) {
      await r.hash(n);
      if (r.jobs.length > 0) await r.registered();
      await r.waiting(0);
    }
    const sizes = r.jobs.map((j) => j.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(sizes[0]).toBe(1); // the first byte does not wait for a larger first job
    expect(sizes.slice(1, -1).every((n) => n === 3)).toBe(true); // a slot's worth each (3 slots here)
  });

  it("caps a job at the server's limit", async () => {
    const r = rig(MAX_FILES_PER_JOB + 2, 1);
    r.pipeline.add(r.records);
    await r.hash(1);
    await r.registered();
    await r.waiting(3);
    await r.hash(...Array.from({ length: MAX_FILES_PER_JOB + 1 }, (_, i) => i + 2));
    // More than a job's worth hashed while one registered: a full job, the rest after it.
    expect(r.jobs.map((j) => j.length)).toEqual([1, MAX_FILES_PER_JOB]);
    await r.registered();
    expect(r.jobs.map((j) => j.length)).toEqual([1, MAX_FILES_PER_JOB, 1]);
  });

  it("hashes as many files at once as its concurrency, in send order, starting the next as one ends", async () => {
    const r = rig(4, 2);
    r.pipeline.add(r.records);
    expect(r.started).toEqual(["1", "2"]);
    await r.hash(2);
    expect(r.started).toEqual(["1", "2", "3"]);
    await r.hash(1, 3);
    expect(r.started).toEqual(["1", "2", "3", "4"]);
  });
});
