import { MAX_PROGRESS_UPDATES, type ProgressUpdate } from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";

/**
 * Tells the server how far each photo is (POST /commands/upload/progress), so other tabs and
 * devices see live bars. Best effort by design: latest value per photo wins, one request per job
 * per tick and never two at once for a job, failures are dropped (the next tick carries newer
 * numbers anyway). Nothing here is awaited by an upload, so it can never slow one down or fail it.
 */
export class ProgressReporter {
  readonly #pending = new Map<string, Map<string, ProgressUpdate>>();
  readonly #sending = new Set<string>();
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly api: UploadApi,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  update(jobId: string, photoId: string, bytesSent: number, bytesTotal: number): void {
    if (this.#controller.signal.aborted) return;
    let job = this.#pending.get(jobId);
    if (!job) {
      job = new Map();
      this.#pending.set(jobId, job);
    }
    job.set(photoId, { photoId, bytesSent: Math.min(bytesSent, bytesTotal), bytesTotal });
    this.#ensureTimer();
  }

  /** A photo is finalized, cancelled or failed: a queued report for it would only be stale. */
  forget(jobId: string, photoId: string): void {
    this.#pending.get(jobId)?.delete(photoId);
  }

  /** Sends what is pending now (one request per job not already sending). */
  flush(): void {
    for (const [jobId, updates] of this.#pending) {
      if (updates.size === 0) {
        this.#pending.delete(jobId);
        continue;
      }
      if (this.#sending.has(jobId)) continue;
      this.#pending.delete(jobId);
      void this.#send(jobId, [...updates.values()].slice(-MAX_PROGRESS_UPDATES));
    }
    if (this.#pending.size === 0 && this.#sending.size === 0) this.#clearTimer();
  }

  stop(): void {
    this.#controller.abort();
    this.#pending.clear();
    this.#clearTimer();
  }

  async #send(jobId: string, updates: ProgressUpdate[]): Promise<void> {
    this.#sending.add(jobId);
    try {
      await this.api.reportProgress({ jobId, updates }, this.#controller.signal);
    } catch (error) {
      // 409: every photo in the report has moved on (finalized or cancelled meanwhile) — expected.
      const stale = error instanceof ApiError && error.status === 409;
      if (!this.#controller.signal.aborted && !stale) this.onError(error);
    } finally {
      this.#sending.delete(jobId);
    }
  }

  #ensureTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.flush(), this.intervalMs);
    // In Node, a pending report must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #clearTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
