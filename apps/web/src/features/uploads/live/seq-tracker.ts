/**
 * Gaps in a job's pushes (DESIGN §6, README "API notes"). Every status or count change bumps a job's
 * `seq` by one; progress messages repeat the current `seq`. So a message whose `seq` is more than
 * one past what the job's holder has seen means something was missed, and the job must be refetched.
 *
 * The holder owns the `seq`: the engine for this tab's jobs, the cached job view for others (both
 * fold pushes and fetched views forward only). This keeps only which jobs have a baseline: until a
 * job's first fetch after subscribing, nothing counts as a gap, since the subscription may have
 * started in the middle of the job and the baseline fetch covers that.
 */
export type SeqVerdict = "in-order" | "gap";

export class SeqTracker {
  /** The `seq` a job's holder is at, undefined while it holds nothing of the job. */
  readonly #holderSeq: (jobId: string) => number | undefined;
  readonly #synced = new Set<string>();

  constructor(holderSeq: (jobId: string) => number | undefined) {
    this.#holderSeq = holderSeq;
  }

  /** A push at `seq`, before its holder takes it. */
  observe(jobId: string, seq: number): SeqVerdict {
    const last = this.#holderSeq(jobId);
    return this.#synced.has(jobId) && last !== undefined && seq > last + 1 ? "gap" : "in-order";
  }

  /** The job's view was fetched (and merged into its holder) since its subscription started. */
  baseline(jobId: string): void {
    this.#synced.add(jobId);
  }

  /** A new subscription starts over: messages may have been missed while it was gone. */
  reset(jobId: string): void {
    this.#synced.delete(jobId);
  }
}
