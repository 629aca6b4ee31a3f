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
    await r.hash(2);
    expect(r.jobs.at(-1)).toEqual(["2"]); // nothing registered waits (starving): below any target
    await r.registered();

    await r.waiting(3); // as many waiting as can run: no job, however many are hashed
    await r.hash(3, 4, 5, 6);
    expect(r.jobs).toHaveLength(2);
    await r.waiting(2); // running low, and 4 hashed ≥ the 3 a job needs now
    expect(r.jobs.at(-1)).toEqual(["3", "4", "5", "6"]);
    await r.registered();

    await r.waiting(5);
    await r.hash(7, 8, 9, 10, 11, 12, 13);
    await r.waiting(2); // running low, but 7 hashed < 8 (twice the last job): wait for more
    expect(r.jobs).toHaveLength(3);
    await r.hash(14); // the last file hashed: the rest goes whatever its size
    expect(r.jobs.at(-1)).toEqual(["7", "8", "9", "10", "11", "12", "13", "14"]);
  });

  it("registers below the target as soon as nothing registered is left to send", async () => {
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
    expect(r.jobs.at(-1)).toEqual(["9"]);
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
