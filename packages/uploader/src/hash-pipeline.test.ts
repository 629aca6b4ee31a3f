import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { HASH_BATCH_BYTES, type Hasher, type HashFailure } from "./content-hash.js";
import type { FileRecord } from "./file-record.js";
import { HashPipeline, JOB_WORTH_BYTES, MAX_BATCH_FILES } from "./hash-pipeline.js";
import type { UploadSource } from "./source.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise the test settles. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/**
 * The pipeline between fakes: the test says how many registered files wait in the queue, finishes
 * each file's hash and each registration when it wants, and reads which jobs were created.
 */
function rig(count: number, concurrency = 1, maxActiveFiles = 3) {
  const records = Array.from(
    { length: count },
    (_, i) => ({ id: String(i + 1), source: { name: `${i + 1}`, size: 1_000 } as UploadSource }) as FileRecord,
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

describe("HashPipeline with a hasher that takes batches", () => {
  /** `sizes[i]` is file i+1's size; each call of the hasher is answered when the test says. */
  function batchRig(sizes: number[], answer: (name: string) => string | HashFailure = (name) => `sha-${name}`) {
    const records = sizes.map(
      (size, i) => ({ id: String(i + 1), source: { name: `${i + 1}`, size } as UploadSource }) as FileRecord,
    );
    const calls: { names: string[]; done: ReturnType<typeof deferred<void>>; resolved: boolean }[] = [];
    const hashes = new Map<string, string>();
    const jobs: string[][] = [];
    const respond = async (names: string[]) => {
      const call = { names, done: deferred<void>(), resolved: false };
      calls.push(call);
      await call.done.promise;
      return names.map(answer);
    };
    const single = async (source: UploadSource) => {
      const [result] = await respond([source.name]);
      if (typeof result !== "string") throw new Error(result!.error);
      return result;
    };
    const hasher: Hasher = Object.assign(single, {
      many: (sources: readonly UploadSource[]) => respond(sources.map((s) => s.name)),
    });
    const pipeline = new HashPipeline(
      {
        writer: {
          file: () => ({ priority: 0, status: "QUEUED" }) as never,
          patchFile: (id: string, patch: { sha256?: string | null }) => {
            if (patch.sha256) hashes.set(id, patch.sha256);
          },
        } as never,
        queue: { waitingCount: 0, limits: { maxActiveFiles: 3, maxRequests: 3 } },
        idle: { registrations: 0, check: () => {} },
        life: new AbortController().signal,
      },
      hasher,
      async (chunk) => {
        jobs.push(chunk.map((r) => r.source!.name));
      },
    );
    /** Answers the oldest unanswered call. */
    const finish = async () => {
      const call = calls.find((c) => !c.resolved)!;
      call.resolved = true;
      call.done.resolve();
      await tick();
      await tick();
    };
    return { pipeline, records, calls, hashes, jobs, finish };
  }

  it("hashes the first file alone, then batches that double, each one call", async () => {
    const r = batchRig(Array.from({ length: 20 }, () => 1_000));
    r.pipeline.add(r.records);
    for (let i = 0; i < 5; i++) await r.finish();
    expect(r.calls.map((c) => c.names.length)).toEqual([1, 2, 4, 8, 5]);
    expect(r.hashes.size).toBe(20);
    expect(r.hashes.get("7")).toBe("sha-7");
    expect(r.jobs[0]).toEqual(["1"]); // the first byte waits for the first file alone
    expect(r.jobs.flat()).toHaveLength(20);
  });

  it("bounds a batch by HASH_BATCH_BYTES and by MAX_BATCH_FILES; a larger file goes alone", async () => {
    const big = HASH_BATCH_BYTES / 2 + 1;
    const r = batchRig([1, 1, big, big, HASH_BATCH_BYTES * 2, ...Array.from({ length: 300 }, () => 1)]);
    r.pipeline.add(r.records);
    for (let i = 0; i < 9; i++) await r.finish(); // 1, 2, 1, 1 file(s), then 16, 32, 64, 128, 60
    const sizes = r.calls.map((c) => c.names.length);
    expect(r.calls.slice(0, 4).map((c) => c.names)).toEqual([["1"], ["2", "3"], ["4"], ["5"]]);
    expect(Math.max(...sizes)).toBe(MAX_BATCH_FILES);
    expect(r.hashes.size).toBe(305);
  });

  it("registers a large file as soon as it is hashed while the queue runs low, not held for a job's worth of files", async () => {
    const r = batchRig([1, 2, 3, 4].map(() => JOB_WORTH_BYTES + 1));
    r.pipeline.add(r.records);
    await r.finish();
    await r.finish();
    // Nothing registered waits to start: file 2 alone is worth its job (small files wait for 3 here).
    expect(r.jobs).toEqual([["1"], ["2"]]);
    await r.finish();
    await r.finish();
    expect(r.jobs).toEqual([["1"], ["2"], ["3"], ["4"]]);
  });

  it("registers a file the batch could not read without its hash, and the others with theirs", async () => {
    const r = batchRig([10, 10, 10], (name) => (name === "3" ? { error: "NotReadableError" } : `sha-${name}`));
    r.pipeline.add(r.records);
    await r.finish();
    await r.finish();
    expect(r.calls.map((c) => c.names)).toEqual([["1"], ["2", "3"]]);
    expect([...r.hashes.keys()].sort()).toEqual(["1", "2"]);
    expect(r.jobs.flat().sort()).toEqual(["1", "2", "3"]);
  });
});

/**
 * The pipeline with the server's answer on sizes (`duplicateSizes`): files of the given sizes, every
 * hash answered at once, the question settled when the test says. Jobs list each file with whether it
 * was registered with its hash.
 */
function sizeRig(sizes: number[], options: { holdHashes?: boolean; shas?: Record<string, string> } = {}) {
  const cancelled = new Set<string>();
  /** Statuses the test gives files (QUEUED otherwise), and files it paused. */
  const statuses = new Map<string, string>();
  const paused = new Set<string>();
  const idle = { registrations: 0, check: () => {} };
  const records = sizes.map(
    (size, i) => ({ id: String(i + 1), source: { name: `${i + 1}`, size } as UploadSource }) as FileRecord,
  );
  const sha = new Map<string, string>();
  /** Files the pipeline marked as waiting for the file they are a copy of (awaitingOriginal). */
  const awaiting = new Set<string>();
  const hashed: string[] = [];
  const jobs: string[][] = [];
  const questions: { sizes: number[]; answer: ReturnType<typeof deferred<readonly number[]>> }[] = [];
  const held = new Map<string, ReturnType<typeof deferred<string>>>();
  const stopped: string[] = [];
  const pipeline = new HashPipeline(
    {
      writer: {
        file: (id: string) =>
          ({
            priority: 0,
            status: cancelled.has(id) ? "CANCELLED" : (statuses.get(id) ?? "QUEUED"),
            paused: paused.has(id),
            needsFile: false,
            sha256: sha.get(id) ?? null,
          }) as never,
        patchFile: (id: string, patch: { sha256?: string; awaitingOriginal?: boolean }) => {
          if (patch.sha256) sha.set(id, patch.sha256);
          if (patch.awaitingOriginal === true) awaiting.add(id);
          if (patch.awaitingOriginal === false) awaiting.delete(id);
        },
      },
      queue: { waitingCount: 0, limits: { maxActiveFiles: 3, maxRequests: 3 } },
      idle,
      life: new AbortController().signal,
    },
    async (source, signal) => {
      hashed.push(source.name);
      if (options.holdHashes) {
        // Answered when the test says, or stopped by the pipeline (as the worker stops on abort).
        const hash = deferred<string>();
        held.set(source.name, hash);
        signal.addEventListener("abort", () => {
          stopped.push(source.name);
          hash.reject(signal.reason);
        });
        return hash.promise;
      }
      return options.shas?.[source.name] ?? `sha-${source.name}`;
    },
    async (chunk) => {
      jobs.push(chunk.map((r) => (sha.has(r.id) ? `${r.id}#` : r.id)));
    },
    1,
    (asked) => {
      const answer = deferred<readonly number[]>();
      questions.push({ sizes: asked, answer });
      return answer.promise;
    },
  );
  const settle = async () => {
    for (let i = 0; i < 5; i++) await tick();
  };
  return {
    pipeline,
    records,
    hashed,
    jobs,
    questions,
    settle,
    cancelled,
    idle,
    held,
    stopped,
    sha,
    statuses,
    paused,
    awaiting,
  };
}

describe("HashPipeline asking which sizes could be duplicates", () => {
  it("registers files whose size no photo has without hashing them, once the server answered", async () => {
    const r = sizeRig([1_000, 2_000, 3_000, 4_000]);
    r.pipeline.add(r.records);
    // The question is out; the first file is hashed meanwhile (the first byte never waits for it).
    expect(r.questions.map((q) => q.sizes)).toEqual([[1_000, 2_000, 3_000, 4_000]]);
    await r.settle();
    expect(r.hashed).toEqual(["1"]);
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    expect(r.hashed).toEqual(["1"]);
    expect(r.jobs.flat()).toEqual(["1#", "2", "3", "4"]);
  });

  it("lets the first file go unhashed when the answer clears its size before its hash is done, and stops that hash", async () => {
    const r = sizeRig([40_000_000, 41_000_000], { holdHashes: true });
    r.pipeline.add(r.records);
    await r.settle();
    expect(r.hashed).toEqual(["1"]); // hashed while the question is out
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    // Neither waits for a digest nobody needs: both registered unhashed, the first file's hash stopped.
    expect(r.jobs.flat()).toEqual(["1", "2"]);
    expect(r.stopped).toEqual(["1"]);
    expect(r.idle.registrations).toBe(0);
  });

  it("keeps hashing the first file when the answer says its size could be a duplicate", async () => {
    const r = sizeRig([40_000_000, 41_000_000], { holdHashes: true });
    r.pipeline.add(r.records);
    r.questions[0]!.answer.resolve([40_000_000]);
    await r.settle();
    expect(r.jobs.flat()).toEqual(["2"]); // the other file goes unhashed; the first waits for its hash
    expect(r.stopped).toEqual([]);
    r.held.get("1")!.resolve("sha-1");
    await r.settle();
    expect(r.jobs.flat()).toEqual(["2", "1#"]);
  });

  it("hashes a file whose size the library has, and files sharing a size with another file", async () => {
    const r = sizeRig([1_000, 2_000, 3_000, 5_000, 3_000]);
    r.pipeline.add(r.records);
    r.questions[0]!.answer.resolve([2_000]);
    await r.settle();
    expect(r.hashed).toEqual(["1", "2", "3", "5"]);
    expect(r.jobs.flat().sort()).toEqual(["1#", "2#", "3#", "4", "5#"]);
  });

  it("hashes every file once the question failed, and asks no more", async () => {
    const r = sizeRig([1_000, 2_000, 3_000]);
    r.pipeline.add(r.records.slice(0, 2));
    r.questions[0]!.answer.resolve(Promise.reject(new Error("404")) as never);
    await r.settle();
    r.pipeline.add(r.records.slice(2));
    await r.settle();
    expect(r.questions).toHaveLength(1);
    expect(r.hashed).toEqual(["1", "2", "3"]);
    expect(r.jobs.flat().sort()).toEqual(["1#", "2#", "3#"]);
  });

  it("holds a later slice's files for the answer about their sizes instead of hashing them", async () => {
    const r = sizeRig([1_000, 2_000, 3_000, 4_000, 2_000]);
    r.pipeline.add(r.records.slice(0, 2));
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#", "2"]);

    r.pipeline.add(r.records.slice(2, 4));
    await r.settle();
    expect(r.questions.map((q) => q.sizes)).toEqual([
      [1_000, 2_000],
      [3_000, 4_000],
    ]);
    expect(r.hashed).toEqual(["1"]); // neither hashed nor registered while their answer is out
    expect(r.jobs.flat()).toEqual(["1#", "2"]);
    r.questions[1]!.answer.resolve([4_000]);
    await r.settle();
    expect(r.hashed).toEqual(["1", "4"]);
    expect(r.jobs.flat().sort()).toEqual(["1#", "2", "3", "4#"]);

    // A file sharing its size with one given before is hashed (the earlier one was already registered).
    r.pipeline.add(r.records.slice(4));
    await r.settle();
    expect(r.questions).toHaveLength(2);
    expect(r.hashed).toEqual(["1", "4", "5"]);
  });

  it("drops a file cancelled while it waited for its size's answer, and counts it settled", async () => {
    const r = sizeRig([1_000, 2_000, 3_000]);
    r.pipeline.add(r.records.slice(0, 1));
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    r.pipeline.add(r.records.slice(1));
    await r.settle();
    expect(r.idle.registrations).toBe(2); // both wait for the answer about their sizes
    r.cancelled.add("2");
    r.questions[1]!.answer.resolve([]);
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#", "3"]);
    expect(r.hashed).toEqual(["1"]);
    expect(r.idle.registrations).toBe(0);
  });
});

describe("HashPipeline holding a copy of a file still being sent", () => {
  it("holds a later file with the hash of one registered and not stored yet, until that one is stored", async () => {
    const r = sizeRig([1_000, 2_000, 1_000], { shas: { "1": "same", "3": "same" } });
    r.pipeline.add(r.records.slice(0, 2));
    r.questions[0]!.answer.resolve([1_000]);
    await r.settle();
    expect(r.jobs).toEqual([["1#"], ["2"]]);

    r.pipeline.add(r.records.slice(2));
    await r.settle();
    expect(r.hashed).toEqual(["1", "3"]);
    expect(r.jobs.flat()).toEqual(["1#", "2"]); // file 1 is still QUEUED: its copy waits
    expect(r.idle.registrations).toBe(1);
    expect([...r.awaiting]).toEqual(["3"]); // and shows as waiting for it
    r.statuses.set("1", "UPLOADING");
    r.pipeline.queueChanged();
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#", "2"]);

    r.statuses.set("1", "PROCESSING");
    r.pipeline.queueChanged();
    await r.settle();
    expect(r.jobs).toEqual([["1#"], ["2"], ["3#"]]);
    expect(r.idle.registrations).toBe(0);
    expect(r.awaiting.size).toBe(0);
  });

  it("holds a hashed file of the size of one registered unhashed, and lets it go once that one failed", async () => {
    const r = sizeRig([1_000, 2_000, 2_000]);
    r.pipeline.add(r.records.slice(0, 2));
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#", "2"]);

    r.pipeline.add(r.records.slice(2));
    await r.settle();
    expect(r.hashed).toEqual(["1", "3"]); // its size is shared now: hashed, and could be file 2's copy
    expect(r.jobs.flat()).toEqual(["1#", "2"]);
    r.statuses.set("2", "FAILED");
    r.pipeline.queueChanged();
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#", "2", "3#"]);
  });

  it("does not hold a file whose hash differs, nor one whose original is cancelled; holds one whose original is paused", async () => {
    const r = sizeRig([1_000, 1_000, 3_000, 4_000, 3_000, 4_000]);
    r.pipeline.add(r.records.slice(0, 4));
    r.questions[0]!.answer.resolve([]);
    await r.settle();
    // Files 1 and 2 share a size, not a hash; 3 and 4 go unhashed (no other file of their sizes yet).
    expect(r.jobs.flat().sort()).toEqual(["1#", "2#", "3", "4"]);
    r.paused.add("3");
    r.cancelled.add("4");
    r.pipeline.add(r.records.slice(4));
    await r.settle();
    expect(r.jobs.flat().sort()).toEqual(["1#", "2#", "3", "4", "6#"]);
    r.statuses.set("3", "PROCESSING"); // resumed and stored
    r.pipeline.queueChanged();
    await r.settle();
    expect(r.jobs.flat().sort()).toEqual(["1#", "2#", "3", "4", "5#", "6#"]);
  });

  it("sends equal hashed files in one job together: the server answers the second itself", async () => {
    const r = sizeRig([1_000, 2_000, 2_000], { shas: { "2": "x", "3": "x" } });
    r.pipeline.add(r.records);
    r.questions[0]!.answer.resolve([1_000]);
    await r.settle();
    expect(r.jobs).toEqual([["1#"], ["2#", "3#"]]);
  });

  it("drops a held copy that is cancelled, and counts it settled", async () => {
    const r = sizeRig([1_000, 1_000], { shas: { "1": "x", "2": "x" } });
    r.pipeline.add(r.records.slice(0, 1));
    r.questions[0]!.answer.resolve([1_000]);
    await r.settle();
    r.pipeline.add(r.records.slice(1));
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#"]);
    r.cancelled.add("2");
    r.statuses.set("1", "PROCESSING");
    r.pipeline.queueChanged();
    await r.settle();
    expect(r.jobs.flat()).toEqual(["1#"]);
    expect(r.idle.registrations).toBe(0);
    expect(r.awaiting.size).toBe(0);
  });
});
