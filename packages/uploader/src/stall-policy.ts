import { StallError } from "./errors.js";

/**
 * How long a request may go without progress, and how often that may happen before the file
 * fails. On a congested link a request can sit for a while without a byte moving (a full send
 * buffer, a browser queue, a flaky Wi-Fi roam) and then go on; failing such a file after one
 * quiet spell loses an upload that waiting would have saved. So each stall aborts and retries the
 * request with a longer window (30 s, 60 s, 120 s, 120 s, …), and only a run of stalls in which
 * the request never got further than before fails the file.
 */
export type StallPolicy = {
  /** Window for a request's first try; 0 or Infinity turns stall detection off. */
  timeoutMs: number;
  /** Windows double per stall up to this. */
  maxTimeoutMs: number;
  /** Stalls in a row without new progress after which the request fails with STALLED. */
  maxStalls: number;
};

/**
 * One request's stall history across its tries (one part, or a single PUT). "Progress" is bytes
 * the transport accepted beyond the furthest any earlier try reached: a try that gets further
 * than before and then stalls shows the link is slow, not dead.
 */
export class StallBudget {
  #stalls = 0;
  #fruitless = 0;
  #furthest = 0;

  constructor(private readonly policy: StallPolicy) {}

  /** Stall window for the next try. */
  windowMs(): number {
    const { timeoutMs, maxTimeoutMs } = this.policy;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return Number.POSITIVE_INFINITY;
    return Math.max(timeoutMs, Math.min(maxTimeoutMs, timeoutMs * 2 ** Math.min(this.#stalls, 31)));
  }

  /**
   * A try stalled after its transport had accepted `reached` bytes. Returns the error to throw:
   * retryable while the budget lasts, final once `maxStalls` stalls in a row made no new progress.
   */
  stalled(windowMs: number, reached: number): StallError {
    this.#stalls++;
    if (reached > this.#furthest) {
      this.#furthest = reached;
      this.#fruitless = 0;
    } else {
      this.#fruitless++;
    }
    return new StallError(windowMs, this.#fruitless >= this.policy.maxStalls ? this.#fruitless : 0);
  }
}
