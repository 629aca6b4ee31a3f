import { type Hasher, type HashFailure, hashEachAlone, inThreadHasher, type UploadSource } from "@rapidphoto/uploader";
import type { HashReply, HashRequest } from "./hash-messages";

/**
 * The engine's hasher for the browser: one dedicated Worker, started by `warm` (or the first file)
 * and ended by `dispose`; small files go to it in batches (`hasher.many`, one message per batch).
 * Sources that are not Blobs (or a browser without Workers) are hashed on this thread.
 * `blobOf` finds the File behind a wrapped source (a HEIC given its type from its name).
 */
export function createWorkerHasher(blobOf: (source: UploadSource) => Blob | undefined = () => undefined): {
  hasher: Hasher;
  /**
   * Starts the worker before any file is picked: loading its script and starting its thread took a
   * good part of the time from selection to the first byte when it waited for the first file.
   */
  warm(): void;
  dispose(): void;
} {
  let worker: Worker | null = null;
  let broken = false;
  let next = 0;
  /** Calls posted and not answered; `fail` falls back to the page when the worker died. */
  const waiting = new Map<number, { answer(reply: HashReply): void; fail(error: Error): void }>();

  const start = (): Worker | null => {
    if (worker || broken) return worker;
    try {
      worker = new Worker(new URL("./hash.worker.ts", import.meta.url), { type: "module", name: "sha256" });
    } catch {
      broken = true; // no Workers here: hash on the page instead
      return null;
    }
    worker.onmessage = (event: MessageEvent<HashReply>) => {
      const reply = event.data;
      const call = waiting.get(reply.id);
      waiting.delete(reply.id);
      call?.answer(reply);
    };
    worker.onerror = () => {
      // The worker could not load (a blocked script): every file waiting is hashed here instead.
      broken = true;
      worker?.terminate();
      worker = null;
      for (const call of waiting.values()) call.fail(new Error("The hashing worker stopped."));
      waiting.clear();
    };
    return worker;
  };

  /**
   * Posts one request and settles with what `take` makes of its reply; on abort tells the worker to
   * stop and rejects with the abort's reason; if the worker dies, `onPage` does the work here instead.
   */
  const call = <T>(
    w: Worker,
    signal: AbortSignal,
    request: (id: number) => HashRequest,
    take: (reply: HashReply) => T,
    onPage: () => Promise<T>,
  ): Promise<T> => {
    signal.throwIfAborted();
    const id = ++next;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        waiting.delete(id);
        w.postMessage({ type: "abort", id } satisfies HashRequest);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => signal.removeEventListener("abort", onAbort);
      waiting.set(id, {
        answer: (reply) => {
          done();
          try {
            resolve(take(reply));
          } catch (error) {
            reject(error);
          }
        },
        fail: (error) => {
          done();
          // The worker died under these files: hash them here rather than lose their dedupe.
          if (broken) onPage().then(resolve, reject);
          else reject(error);
        },
      });
      w.postMessage(request(id));
    });
  };

  const one = (source: UploadSource, signal: AbortSignal): Promise<string> => {
    const blob = source instanceof Blob ? source : blobOf(source);
    const w = blob ? start() : null;
    if (!blob || !w) return inThreadHasher(source, signal);
    return call(
      w,
      signal,
      (id) => ({ type: "hash", id, blob }),
      (reply) => {
        if ("error" in reply) throw new Error(reply.error);
        if (!("sha256" in reply)) throw new Error("The hashing worker answered a single file with a batch.");
        recordHashTime(reply.ms, blob.size, 1);
        return reply.sha256;
      },
      () => inThreadHasher(source, signal),
    );
  };

  /** File by file through `one` (the worker, or the page for a source with no Blob behind it). */
  const eachAlone = (sources: readonly UploadSource[], signal: AbortSignal) =>
    hashEachAlone(sources, signal, (source) => one(source, signal));

  const many = (sources: readonly UploadSource[], signal: AbortSignal): Promise<(string | HashFailure)[]> => {
    const blobs = sources.map((source) => (source instanceof Blob ? source : blobOf(source)));
    const w = blobs.every((b) => b !== undefined) ? start() : null;
    if (!w) return eachAlone(sources, signal);
    const files = blobs as Blob[];
    return call(
      w,
      signal,
      (id) => ({ type: "hash-many", id, blobs: files }),
      (reply) => {
        if ("error" in reply) throw new Error(reply.error);
        if (!("results" in reply) || reply.results.length !== files.length)
          throw new Error("The hashing worker's answer does not match the batch.");
        recordHashTime(
          reply.ms,
          files.reduce((sum, b) => sum + b.size, 0),
          files.length,
        );
        return reply.results;
      },
      () => eachAlone(sources, signal),
    );
  };

  const hasher: Hasher = Object.assign(one, { many });

  return {
    hasher,
    warm() {
      start();
    },
    dispose() {
      worker?.terminate();
      worker = null;
      waiting.clear();
    },
  };
}

/**
 * The worker's busy time while hashing (overlapping files counted once), summed, for the browser
 * benchmark (MB/s in the worker). A few
 * numbers on `globalThis`, read by the bench's page probe; nothing in the app reads them.
 */
function recordHashTime(ms: number, bytes: number, files: number): void {
  const g = globalThis as { __rapidphotoHashing?: { ms: number; bytes: number; files: number } };
  g.__rapidphotoHashing ??= { ms: 0, bytes: 0, files: 0 };
  const sum = g.__rapidphotoHashing;
  sum.ms += ms;
  sum.bytes += bytes;
  sum.files += files;
}
