/**
 * Gaps in a job's pushes (DESIGN §6, README "API notes"). Every status or count change bumps a job's
 * `seq` by one; progress messages repeat the current `seq`. So a message whose `seq` is more than
 * one past what the job's holder has seen means something was missed, and the job must be refetched.
 *
 * The holder owns the `seq`: the engine for this tab's jobs, the cached job view for others (both
 * fold pushes and fetched views forward only). This keeps only which followed jobs have a baseline:
 * until a job's first fetch after subscribing, nothing counts as a gap, since the subscription may
 * have started in the middle of the job and the baseline fetch covers that. A job that is not
 * followed keeps nothing here (its last message may come after it was dropped): the caller says
 * per push whether it is in step otherwise (`inStep`).
 */
export type SeqVerdict = "in-order" | "gap";

export class SeqTracker {
  /** The `seq` a job's holder is at, undefined while it holds nothing of the job. */
  readonly #holderSeq: (jobId: string) => number | undefined;
  /** Whether the job is followed now (its caller resets a job it drops). */
  readonly #followed: (jobId: string) => boolean;
  readonly #synced = new Set<string>();

  constructor(holderSeq: (jobId: string) => number | undefined, followed: (jobId: string) => boolean) {
    this.#holderSeq = holderSeq;
    this.#followed = followed;
  }

  /**
   * A push at `seq`, before its holder takes it. `inStep`: the holder has a baseline this tracker
   * does not keep (LiveSync: this tab's job created while listening, followed or not).
   */
  observe(jobId: string, seq: number, inStep = false): SeqVerdict {
    const last = this.#holderSeq(jobId);
    const synced = inStep || this.#synced.has(jobId);
    return synced && last !== undefined && seq > last + 1 ? "gap" : "in-order";
  }

  /**
   * The job's holder is in step since its subscription started (its view was fetched and merged).
   * Kept while the job is followed, until `reset`; for a job not followed, nothing is kept.
   */
  baseline(jobId: string): void {
    if (this.#followed(jobId)) this.#synced.add(jobId);
  }

  /** A new subscription starts over (messages may have been missed while it was gone); a dropped job is forgotten. */
  reset(jobId: string): void {
    this.#synced.delete(jobId);
  }
}
