import { type Hasher, inThreadHasher, type UploadSource } from "@rapidphoto/uploader";
import type { HashReply, HashRequest } from "./hash-messages";

/**
 * The engine's hasher for the browser: one dedicated Worker, started by `warm` (or the first file)
 * and ended by `dispose`. Sources that are not Blobs (or a browser without Workers) are hashed on this thread.
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
  const waiting = new Map<number, { bytes: number; resolve(hex: string): void; reject(error: Error): void }>();

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
      if (!call) return;
      if ("sha256" in reply) {
        recordHashTime(reply.ms, call.bytes);
        call.resolve(reply.sha256);
      } else call.reject(new Error(reply.error));
    };
    worker.onerror = () => {
      // The worker could not load (a blocked script): every file waiting is hashed here instead.
      broken = true;
      worker?.terminate();
      worker = null;
      for (const call of waiting.values()) call.reject(new Error("The hashing worker stopped."));
      waiting.clear();
    };
    return worker;
  };

  const hasher: Hasher = (source, signal) => {
    const blob = source instanceof Blob ? source : blobOf(source);
    const w = blob ? start() : null;
    if (!blob || !w) return inThreadHasher(source, signal);
    signal.throwIfAborted();
    const id = ++next;
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        waiting.delete(id);
        w.postMessage({ type: "abort", id } satisfies HashRequest);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => signal.removeEventListener("abort", onAbort);
      waiting.set(id, {
        bytes: blob.size,
        resolve: (hex) => {
          done();
          resolve(hex);
        },
        reject: (error) => {
          done();
          // The worker died under this file: hash it here rather than lose its dedupe.
          if (broken) inThreadHasher(source, signal).then(resolve, reject);
          else reject(error);
        },
      });
      w.postMessage({ type: "hash", id, blob } satisfies HashRequest);
    });
  };

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
function recordHashTime(ms: number, bytes: number): void {
  const g = globalThis as { __rapidphotoHashing?: { ms: number; bytes: number; files: number } };
  g.__rapidphotoHashing ??= { ms: 0, bytes: 0, files: 0 };
  const sum = g.__rapidphotoHashing;
  sum.ms += ms;
  sum.bytes += bytes;
  sum.files++;
}
