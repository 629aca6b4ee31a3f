import { MAX_RETRY_AFTER_MS } from "./constants.js";

type BackoffOptions = { baseMs: number; maxMs: number };

/**
 * "Full jitter" backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): a uniform delay
 * in [0, min(max, base·2^failure)). Hundreds of parts failing together (a storage blip) then come
 * back spread out instead of in synchronized waves.
 * @param failure 0 for the first retry.
 */
export function backoffDelay(failure: number, options: BackoffOptions, random: () => number = Math.random): number {
  // Cap the exponent: 2^31 is already far above any maxMs, and larger exponents overflow to Infinity.
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(failure, 31));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds: delay-seconds or an HTTP-date. Null when absent
 * or unparsable; never negative; capped so a hostile or buggy header cannot park an upload for hours.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === "") return null;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // An HTTP-date always names the day ("Wed, 21 Oct 2015 07:28:00 GMT"); without letters it is junk
    // that Date.parse would still read ("-5" is the year -5).
    if (!/[a-z]/i.test(text)) return null;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return null;
    ms = date - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * Statuses worth another try: 408 and 429 say "later", 5xx says the server or a proxy failed.
 * 501 (not implemented) and 505 (version not supported) will never succeed, so they are final.
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}
