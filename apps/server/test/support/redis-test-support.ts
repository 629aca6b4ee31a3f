import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

/** A channel no other test run shares. */
export function uniqueChannel(): string {
  return `rapidphoto:test:${randomUUID()}`;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Whether Redis suites should be skipped. Under CI they never are: a missing Redis must fail the
 * run, not quietly shrink it. Elsewhere they are skipped with the reason printed.
 */
export async function skipWithoutRedis(suite: string): Promise<boolean> {
  if (process.env.CI === "true" || process.env.CI === "1") return false;
  if (await reachable(REDIS_TEST_URL)) return false;
  console.warn(`[${suite}] skipped: no Redis at ${REDIS_TEST_URL} (set REDIS_TEST_URL, or CI=true to make this fail)`);
  return true;
}
