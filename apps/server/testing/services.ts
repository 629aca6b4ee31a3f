import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const IN_CI = process.env.CI === "true" || process.env.CI === "1";

/**
 * Whether a real service is there for a suite. In CI a missing service is a failure, never a skip,
 * so a green run always means the PostgreSQL/Redis/S3 paths really ran.
 */
export async function serviceAvailable(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if (IN_CI) throw new Error(`${name} is required under CI=true but is not reachable: ${(error as Error).message}`);
    console.warn(`[skip] ${name} is not reachable (${(error as Error).message}); its tests are skipped`);
    return false;
  }
}

export async function postgresAvailable(): Promise<boolean> {
  return serviceAvailable("PostgreSQL at 127.0.0.1:5432", async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
    await client.connect();
    await client.end();
  });
}

export async function redisAvailable(): Promise<boolean> {
  return serviceAvailable("Redis at 127.0.0.1:6379", async () => {
    const { Redis } = await import("ioredis");
    const r = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await r.connect();
    await r.ping();
    r.disconnect();
  });
}

/** A fresh, empty database for one test file, dropped afterwards. */
export async function createTempPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `rp_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * The databases a test file runs its suite against: the embedded PGlite (`database()` gives null:
 * the server's default), and a fresh PostgreSQL database (undefined when PostgreSQL is missing
 * outside CI, where the suite then skips; `postgresAvailable` fails it under CI).
 */
export const DATABASE_BACKENDS = [
  { name: "PGlite", database: async () => null },
  {
    name: "PostgreSQL",
    database: async () => ((await postgresAvailable()) ? await createTempPostgresDatabase() : undefined),
  },
] as const;
