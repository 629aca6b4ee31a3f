import { type FinalizeManyResponse, type FinalizeResponse, MAX_FINALIZE_BATCH } from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";

/**
 * Finalize requests of single-PUT files on their way at once. Two: a file whose bytes land while
 * one is out goes in the other at once (no added wait on a quiet line), and the files landing while
 * both are out go together in the next (at 1,000 small files, a few per request instead of one).
 */
export const FINALIZE_BATCHES_IN_FLIGHT = 2;

type Entry = {
  photoId: string;
  resolve(answer: FinalizeResponse): void;
  reject(error: unknown): void;
  /** Set once the entry has left the queue (sent, or dropped on abort). */
  settled: boolean;
};

/** A request of many photos is never cut off: each caller leaves it on its own signal instead. */
const NEVER = new AbortController().signal;

export type FinalizeBatcherLimits = { maxBatch: number; inFlight: number };

/**
 * Finalizes single-PUT photos through `POST /commands/upload/finalize`, several per request. Each
 * caller gets its own photo's answer: a status, or the ApiError finalizing it alone would have
 * thrown (so withRetry and the runner treat it exactly as before). A request that fails as a whole
 * (no answer, 401, 503) rejects every photo in it with that error, and each caller's own retry sends
 * its photo again, with whatever else is waiting then: finalize is idempotent on the server.
 * A caller whose signal aborts is answered with the abort at once; if its photo was already sent,
 * the server may still finalize it, as a cut-off single finalize may.
 */
export class FinalizeBatcher {
  #queue: Entry[] = [];
  #inFlight = 0;

  constructor(
    private readonly send: (photoIds: string[], signal: AbortSignal) => Promise<FinalizeManyResponse>,
    private readonly limits: FinalizeBatcherLimits = {
      maxBatch: MAX_FINALIZE_BATCH,
      inFlight: FINALIZE_BATCHES_IN_FLIGHT,
    },
  ) {}

  finalize(photoId: string, signal: AbortSignal): Promise<FinalizeResponse> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!entry.settled) this.#queue.splice(this.#queue.indexOf(entry), 1);
        entry.settled = true;
        reject(signal.reason);
      };
      const entry: Entry = {
        photoId,
        resolve: (answer) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
        settled: false,
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(entry);
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.limits.inFlight && this.#queue.length > 0) {
      const batch = this.#take();
      this.#inFlight++;
      void this.#sendBatch(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /** The next batch: oldest first, a photo at most once (a second finalize of it waits for the next). */
  #take(): Entry[] {
    const batch: Entry[] = [];
    const ids = new Set<string>();
    const rest: Entry[] = [];
    for (const entry of this.#queue) {
      if (batch.length < this.limits.maxBatch && !ids.has(entry.photoId)) {
        ids.add(entry.photoId);
        entry.settled = true;
        batch.push(entry);
      } else rest.push(entry);
    }
    this.#queue = rest;
    return batch;
  }

  async #sendBatch(batch: Entry[]): Promise<void> {
    let answer: FinalizeManyResponse;
    try {
      // Not any caller's signal: one file paused must not cut the others' answers off.
      answer = await this.send(
        batch.map((e) => e.photoId),
        NEVER,
      );
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    const byId = new Map(answer.results.map((r) => [r.photoId, r]));
    for (const entry of batch) {
      const result = byId.get(entry.photoId);
      if (!result) {
        entry.reject(new ApiError(200, "BAD_RESPONSE", "The finalize answer left a photo out."));
      } else if ("error" in result) {
        const { status, code, message, details } = result.error;
        entry.reject(new ApiError(status, code, message, details));
      } else entry.resolve(result);
    }
  }
}

/**
 * The engine's finalize: single-PUT files (an empty body) through a FinalizeBatcher when the API
 * offers `finalizeMany`; multipart files, which carry their parts, and hosts without it one by one.
 */
export function batchedFinalize(api: UploadApi, limits?: FinalizeBatcherLimits): UploadApi["finalize"] {
  const single: UploadApi["finalize"] = (photoId, body, signal) => api.finalize(photoId, body, signal);
  if (!api.finalizeMany) return single;
  const batcher = new FinalizeBatcher(
    (ids, signal) => (api.finalizeMany as NonNullable<UploadApi["finalizeMany"]>)(ids, signal),
    limits,
  );
  return (photoId, body, signal) =>
    body.uploadId === undefined && body.parts === undefined
      ? batcher.finalize(photoId, signal)
      : single(photoId, body, signal);
}
