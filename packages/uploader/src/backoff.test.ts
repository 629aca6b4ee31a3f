import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./backoff.js";
import { MAX_RETRY_AFTER_MS } from "./constants.js";
import { ApiError, NetworkError, StallError, StorageHttpError, UploaderError } from "./errors.js";
import { alwaysOnline } from "./network.js";
import { classify, withRetry } from "./retry.js";

const options = { baseMs: 500, maxMs: 30_000 };

describe("backoffDelay (full jitter)", () => {
  it("stays in [0, min(max, base·2^n))", () => {
    for (let failure = 0; failure < 12; failure++) {
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** failure);
      expect(backoffDelay(failure, options, () => 0)).toBe(0);
      expect(backoffDelay(failure, options, () => 0.999999)).toBeLessThan(ceiling);
      expect(backoffDelay(failure, options, () => 0.999999)).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.99));
    }
  });

  it("spreads delays across the whole window", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, options));
    expect(Math.min(...delays)).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeGreaterThan(3000);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("does not overflow for huge failure counts", () => {
    expect(backoffDelay(10_000, options, () => 0.5)).toBe(15_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads an HTTP-date relative to now, never negative", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0);
  });

  it("caps absurd values and ignores junk", () => {
    expect(parseRetryAfter("86400", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
  });
});

describe("retry classification", () => {
  it("retries network errors, stalls, 408, 429 and 5xx, but not other 4xx or 501", () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [400, 401, 404, 409, 413, 501, 505]) expect(isRetryableStatus(s)).toBe(false);
    expect(classify(new NetworkError()).retry).toBe(true);
    expect(classify(new StallError(1000)).retry).toBe(true);
    expect(classify(new StallError(1000, 5)).retry).toBe(false); // its stall budget is spent
    expect(classify(new ApiError(503, "SERVICE_UNAVAILABLE", "x", undefined, "2"))).toEqual({
      retry: true,
      free: false,
      retryAfterMs: 2000,
    });
    // The server's answer to a request caught in a lost database connection.
    expect(classify(new ApiError(503, "DATABASE_UNAVAILABLE", "x", undefined, "1"))).toEqual({
      retry: true,
      free: false,
      retryAfterMs: 1000,
    });
    // And to one whose transaction lost a race (a deadlock, a serialization failure), rolled back whole.
    expect(classify(new ApiError(503, "DATABASE_CONFLICT", "x", undefined, "1"))).toEqual({
      retry: true,
      free: false,
      retryAfterMs: 1000,
    });
    expect(classify(new ApiError(409, "ILLEGAL_TRANSITION", "x")).retry).toBe(false);
    expect(classify(new UploaderError("BAD_PART_PLAN", "x")).retry).toBe(false);
    expect(classify(new Error("bug")).retry).toBe(false);
  });

  it("treats an expired URL as a free retry and any other 403 as a counted one", () => {
    expect(classify(new StorageHttpError(403, '{"code":"SIGNATURE_EXPIRED"}'))).toMatchObject({ free: true });
    expect(classify(new StorageHttpError(403, "<Message>Request has expired</Message>"))).toMatchObject({ free: true });
    expect(classify(new StorageHttpError(403, '{"code":"SIGNATURE_INVALID"}'))).toMatchObject({
      retry: true,
      free: false,
    });
  });
});

describe("withRetry", () => {
  const ctx = (attempts: number) => ({
    policy: { attempts, baseDelayMs: 1, maxDelayMs: 2 },
    signal: new AbortController().signal,
    network: alwaysOnline,
  });

  it("gives up after the tries are spent, with the last error", async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new NetworkError(`try ${calls}`));
    };
    await expect(withRetry(failing, ctx(3))).rejects.toThrow("try 3");
    expect(calls).toBe(3);
  });

  it("re-signs expired URLs without using up tries, within a bound", async () => {
    const seen: boolean[] = [];
    let calls = 0;
    const result = await withRetry(async ({ resign }) => {
      seen.push(resign);
      if (++calls <= 2) throw new StorageHttpError(403, "SIGNATURE_EXPIRED");
      return "ok";
    }, ctx(1));
    expect(result).toBe("ok");
    expect(seen).toEqual([false, true, true]);
    // A URL that is "expired" every time eventually counts, so the file can fail instead of looping.
    const always = () => Promise.reject(new StorageHttpError(403, "expired"));
    await expect(withRetry(always, ctx(2))).rejects.toBeInstanceOf(StorageHttpError);
  });

  it("does not retry a final error", async () => {
    let calls = 0;
    const final = () => {
      calls++;
      return Promise.reject(new ApiError(400, "VALIDATION_FAILED", "no"));
    };
    await expect(withRetry(final, ctx(5))).rejects.toThrow("no");
    expect(calls).toBe(1);
  });

  it("waits for the network instead of spending tries while offline", async () => {
    let online = false;
    let listener: ((online: boolean) => void) | null = null;
    const network = {
      isOnline: () => online,
      subscribe: (l: (online: boolean) => void) => {
        listener = l;
        return () => {
          listener = null;
        };
      },
    };
    let calls = 0;
    const result = withRetry(
      async () => {
        calls++;
        if (!online) throw new NetworkError();
        return "sent";
      },
      { ...ctx(1), network },
    );
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    online = true;
    (listener as ((online: boolean) => void) | null)?.(true);
    await expect(result).resolves.toBe("sent");
    expect(calls).toBe(2);
  });
});
