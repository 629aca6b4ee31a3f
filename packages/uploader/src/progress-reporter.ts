import { MAX_PROGRESS_UPDATES, type ProgressUpdate } from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";

/**
 * Tells the server how far each photo is (POST /commands/upload/progress), so other tabs and
 * devices see live bars and the server knows this tab is still sending (the sender lease). Kept
 * cheap on both sides: at most one request per tick for the whole tab (jobs take turns), never two
 * at once, carrying only photos whose bytes moved since they were last reported and that have been
 * on their way for at least a tick — a file sent faster than that is told by its finalize, which
 * also keeps the job's lease. Best effort by design: failures are dropped (the next tick carries
 * newer numbers), and nothing here is awaited by an upload, so it can never slow one down or fail it.
 */

type Tracked = { photoId: string; bytesSent: number; bytesTotal: number; reported: number; since: number };

export class ProgressReporter {
  /** Per job, the photos being sent; a job moves to the back after its turn. */
  readonly #jobs = new Map<string, Map<string, Tracked>>();
  readonly #controller = new AbortController();
  #sending = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly api: UploadApi,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  update(jobId: string, photoId: string, bytesSent: number, bytesTotal: number): void {
    if (this.#controller.signal.aborted) return;
    let job = this.#jobs.get(jobId);
    if (!job) {
      job = new Map();
      this.#jobs.set(jobId, job);
    }
    const sent = Math.min(bytesSent, bytesTotal);
    const tracked = job.get(photoId);
    if (tracked) {
      tracked.bytesSent = sent;
      tracked.bytesTotal = bytesTotal;
    } else job.set(photoId, { photoId, bytesSent: sent, bytesTotal, reported: -1, since: this.now() });
    this.#ensureTimer();
  }

  /** A photo is finalized, cancelled or failed: nothing more to say about it. */
  forget(jobId: string, photoId: string): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    job.delete(photoId);
    if (job.size === 0) this.#jobs.delete(jobId);
  }

  /** Sends the next job's news, if there is any and no report is out. */
  flush(): void {
    if (this.#sending) return;
    if (this.#jobs.size === 0) {
      this.#clearTimer();
      return;
    }
    const now = this.now();
    for (const [jobId, photos] of this.#jobs) {
      const due: Tracked[] = [];
      for (const t of photos.values()) {
        if (t.bytesSent !== t.reported && now - t.since >= this.intervalMs) due.push(t);
        if (due.length === MAX_PROGRESS_UPDATES) break;
      }
      if (due.length === 0) continue;
      this.#jobs.delete(jobId); // to the back: the next tick serves another job first
      this.#jobs.set(jobId, photos);
      void this.#send(jobId, due);
      return;
    }
  }

  stop(): void {
    this.#controller.abort();
    this.#jobs.clear();
    this.#clearTimer();
  }

  async #send(jobId: string, due: Tracked[]): Promise<void> {
    this.#sending = true;
    const updates: ProgressUpdate[] = due.map(({ photoId, bytesSent, bytesTotal }) => ({
      photoId,
      bytesSent,
      bytesTotal,
    }));
    for (const t of due) t.reported = t.bytesSent;
    try {
      await this.api.reportProgress({ jobId, updates }, this.#controller.signal);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // Every photo in the report has moved on (finalized or cancelled meanwhile): expected.
        for (const u of updates) this.forget(jobId, u.photoId);
      } else {
        for (const [i, t] of due.entries()) if (t.reported === updates[i]?.bytesSent) t.reported = -1; // say it again
        if (!this.#controller.signal.aborted) this.onError(error);
      }
    } finally {
      this.#sending = false;
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
