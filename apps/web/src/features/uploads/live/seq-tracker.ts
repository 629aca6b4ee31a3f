/**
 * Per-job `seq` bookkeeping for pushes (DESIGN §6, README "API notes"). Every status or count change
 * bumps a job's `seq` by one; progress messages repeat the current `seq`. So a message whose `seq` is
 * more than one past the last one seen means something was missed, and the job must be refetched.
 *
 * Until a job has a baseline (its first fetch after subscribing), nothing counts as a gap: the
 * subscription may have started in the middle of the job, and the baseline fetch covers that.
 */
export type SeqVerdict = "in-order" | "gap";

type JobSeq = { last: number; synced: boolean };

export class SeqTracker {
  readonly #jobs = new Map<string, JobSeq>();

  observe(jobId: string, seq: number): SeqVerdict {
    const job = this.#jobs.get(jobId);
    if (!job) {
      this.#jobs.set(jobId, { last: seq, synced: false });
      return "in-order";
    }
    const gap = job.synced && seq > job.last + 1;
    job.last = Math.max(job.last, seq);
    return gap ? "gap" : "in-order";
  }

  /**
   * A fetched job view at `seq`. Messages seen while the fetch ran are newer than it or equal, and
   * were all delivered (the subscription was live before the fetch left), so the higher one wins.
   */
  baseline(jobId: string, seq: number): void {
    const job = this.#jobs.get(jobId);
    this.#jobs.set(jobId, { last: Math.max(job?.last ?? 0, seq), synced: true });
  }

  /** A new subscription starts over: messages may have been missed while it was gone. */
  reset(jobId: string): void {
    this.#jobs.delete(jobId);
  }

  last(jobId: string): number | undefined {
    return this.#jobs.get(jobId)?.last;
  }
}
