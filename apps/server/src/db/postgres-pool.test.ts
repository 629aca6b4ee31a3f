import { DrizzleQueryError } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import { eventually } from "../../test/support/realtime-test-kit.js";
import { createTempPostgresDatabase, postgresAvailable } from "../../testing/services.js";
import { isDatabaseUnavailable } from "./database-errors.js";
import { PostgresPool } from "./postgres-pool.js";

describe("PostgresPool when PostgreSQL ends its connections", () => {
  let available = true;
  let temp: Awaited<ReturnType<typeof createTempPostgresDatabase>>;
  let admin: pg.Client;
  beforeAll(async () => {
    if (!(await postgresAvailable())) {
      available = false;
      return;
    }
    temp = await createTempPostgresDatabase();
    admin = new pg.Client({ connectionString: temp.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await temp?.drop();
  });

  const terminate = async (pid: number) => {
    await admin.query("select pg_terminate_backend($1)", [pid]);
    await eventually(async () => {
      const { rows } = await admin.query("select count(*)::int as n from pg_stat_activity where pid = $1", [pid]);
      expect(rows[0].n).toBe(0);
    });
  };

  it("hears a checked-out client's lost connection, drops it, and serves the next query", async ({ skip }) => {
    if (!available) skip();
    const { logger, records } = captureLogger();
    const pool = new PostgresPool(temp.url, logger);
    try {
      const client = await pool.connect();
      const { rows } = await client.query("select pg_backend_pid() as pid");
      // Idle between queries, as in a transaction waiting for something else: pg emits 'error'.
      await terminate(rows[0].pid);
      await eventually(() => expect(records.some((r) => r.msg.includes("connection in use was lost"))).toBe(true));
      // Its holder never releases it (Drizzle does not when BEGIN fails): the pool must not keep it.
      await eventually(() => expect(pool.totalCount).toBe(0));
      const failed = await client.query("select 1").catch((error: unknown) => error);
      expect(isDatabaseUnavailable(failed)).toBe(true);
      client.release(); // a late release is harmless
      expect((await pool.query("select 1 as one")).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe("isDatabaseUnavailable", () => {
  it("knows lost connections from query errors, through Drizzle's wrapping", () => {
    const terminated = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    expect(isDatabaseUnavailable(new Error("Failed query: select 1", { cause: terminated }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(isDatabaseUnavailable(new DrizzleQueryError("select 1", [], refused))).toBe(true);
    // Not from a query: some other service's socket (storage, Redis) is not the database.
    expect(isDatabaseUnavailable(refused)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new Error("something else"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
