import { sleep } from "./abort.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./backoff.js";
import type { Clock } from "./clock.js";
import { MAX_FREE_RESIGNS } from "./constants.js";
import { ApiError, NetworkError, StallError, StorageHttpError } from "./errors.js";
import { type NetworkMonitor, waitOnline } from "./network.js";

export type RetryPolicy = {
  /** Tries per request, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
};

export type RetryContext = {
  policy: RetryPolicy;
  signal: AbortSignal;
  network: NetworkMonitor;
  random?: () => number;
  /** Backoff waits run on it (tests drive it); the system clock when absent. */
  clock?: Clock;
  /** Told before each wait, so the UI can say "retrying (2/6)". */
  onRetry?: (info: { failures: number; delayMs: number; error: unknown }) => void;
};

type Verdict =
  | { retry: false }
  /** `free`: an expired URL; try again at once with a fresh one without using up a try. */
  | { retry: true; free: boolean; retryAfterMs: number | null }
  /**
   * A stalled request: it already waited out its stall window, so it goes again at once without
   * using up a try; its own stall budget (stall-policy.ts) decides when it gives up.
   */
  | { retry: true; stalled: true };

/** What to do after `error`. Unknown errors are final: retrying a bug only hides it. */
export function classify(error: unknown): Verdict {
  if (error instanceof StallError) return error.final ? { retry: false } : { retry: true, stalled: true };
  if (error instanceof NetworkError) {
    return { retry: true, free: false, retryAfterMs: null };
  }
  if (error instanceof StorageHttpError) {
    if (error.status === 403) return { retry: true, free: error.urlExpired, retryAfterMs: null };
    if (isRetryableStatus(error.status)) {
      return { retry: true, free: false, retryAfterMs: parseRetryAfter(error.retryAfter) };
    }
  }
  if (error instanceof ApiError && isRetryableStatus(error.status)) {
    return { retry: true, free: false, retryAfterMs: parseRetryAfter(error.retryAfter) };
  }
  return { retry: false };
}

/**
 * Runs `attempt` until it succeeds, a final error comes, or the tries are spent (then the last
 * error is thrown, so the reason reaches the UI). While offline, failures do not use up tries:
 * the loop waits for the network instead. `attempt` is told how many failures came before and
 * whether the last one was an expired or refused URL, so it can sign again.
 */
export async function withRetry<T>(
  attempt: (state: { failures: number; resign: boolean }) => Promise<T>,
  ctx: RetryContext,
): Promise<T> {
  let failures = 0;
  let freeInARow = 0;
  let resign = false;
  for (;;) {
    try {
      return await attempt({ failures, resign });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const verdict = classify(error);
      if (!verdict.retry) throw error;
      resign = error instanceof StorageHttpError && error.status === 403;
      if (!ctx.network.isOnline()) {
        await waitOnline(ctx.network, ctx.signal);
        continue;
      }
      if ("stalled" in verdict) {
        ctx.onRetry?.({ failures, delayMs: 0, error });
        continue;
      }
      if (verdict.free && freeInARow < MAX_FREE_RESIGNS) {
        freeInARow++;
        continue;
      }
      freeInARow = 0;
      failures++;
      if (failures >= ctx.policy.attempts) throw error;
      const delayMs =
        verdict.retryAfterMs ??
        backoffDelay(failures - 1, { baseMs: ctx.policy.baseDelayMs, maxMs: ctx.policy.maxDelayMs }, ctx.random);
      ctx.onRetry?.({ failures, delayMs, error });
      await sleep(delayMs, ctx.signal, ctx.clock);
    }
  }
}
