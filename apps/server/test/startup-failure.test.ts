import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { freePort } from "../testing/free-ports.js";
import { createTempPostgresDatabase, POSTGRES_ADMIN_URL, postgresAvailable } from "../testing/services.js";

describe("a server that cannot start", () => {
  let db: { url: string; drop(): Promise<void> } | undefined;
  let dataDir: string;

  beforeAll(async () => {
    if (await postgresAvailable()) db = await createTempPostgresDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-startup-"));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("closes what it had already opened (the database pool) before it reports the failure", async ({ skip }) => {
    if (!db) skip();
    const url = db?.url as string;
    // The database opens (and migrates); the event bus after it cannot reach its Redis.
    const config = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: "silent",
    });
    await expect(buildApp(config)).rejects.toThrow();

    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      const name = new URL(url).pathname.slice(1);
      const { rows } = await admin.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
      expect(rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
