import { jobTopic, type PushMessage } from "@rapidphoto/protocol";
import type { Client } from "@stomp/stompjs";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../testing/services.js";
import { connect, events, eventually, stompClient, subscribed } from "./support/realtime-test-kit.js";
import { sendBytes, waitForJob } from "./upload-client.js";

/**
 * An operator (or a failover) terminates the server's PostgreSQL backends while requests run.
 * The process must live on, answer what was caught in the cut with a retryable 503, and carry on.
 */
describe("PostgreSQL connections cut while the server works", () => {
  let available = true;
  let temp: Awaited<ReturnType<typeof createTempPostgresDatabase>>;
  let server: TestServer;
  /** The test's own connection: it takes locks to hold requests inside the database, and cuts. */
  let admin: pg.Client;
  const stomps: Client[] = [];

  beforeAll(async () => {
    if (!(await postgresAvailable())) {
      available = false;
      return;
    }
    temp = await createTempPostgresDatabase();
    server = await startTestServer({ env: { DATABASE_URL: temp.url }, app: { worker: { pollMs: 50 } } });
    admin = new pg.Client({ connectionString: temp.url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const client of stomps) await client.deactivate();
    await admin?.end();
    await server?.close();
    await temp?.drop();
  });

  /** Terminates every backend of the database but the test's own; returns how many. */
  async function cut(): Promise<number> {
    const { rows } = await admin.query(
      `select pid, pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and application_name <> 'test-locker'`,
    );
    const pids = rows.map((r) => r.pid as number);
    // pg_terminate_backend only signals: wait until those backends are really gone (the server
    // may already have opened new ones).
    await eventually(async () => {
      const left = await admin.query("select count(*)::int as n from pg_stat_activity where pid = any($1)", [pids]);
      expect(left.rows[0].n).toBe(0);
    });
    return pids.length;
  }

  /**
   * Runs `during` while every query on `tables` waits for the test's lock, so requests sent in it
   * are inside the database when `during` cuts. The lock is taken on its own connection: it must
   * not see pg_stat_activity through a transaction's snapshot.
   */
  async function whileLocked(tables: string[], during: () => Promise<void>): Promise<void> {
    const locker = new pg.Client({ connectionString: temp.url, application_name: "test-locker" });
    await locker.connect();
    locker.on("error", () => {}); // it is cut with the rest
    try {
      await locker.query("begin");
      await locker.query(`lock table ${tables.join(", ")} in access exclusive mode`);
      await during();
    } finally {
      await locker.end().catch(() => {});
    }
  }

  /**
   * Waits until `n` of the server's backends are waiting for the test's lock; with `queryLike`,
   * only backends whose query matches it count (the worker's polling waits for the same lock).
   */
  async function blocked(n: number, queryLike = "%"): Promise<void> {
    await eventually(async () => {
      const { rows } = await admin.query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like $1",
        [queryLike],
      );
      expect(
        rows[0].n,
        JSON.stringify(
          (
            await admin.query(
              "select pid, state, wait_event_type, wait_event, left(query, 80) as q from pg_stat_activity where datname = current_database()",
            )
          ).rows,
        ),
      ).toBeGreaterThanOrEqual(n);
    });
  }

  it("answers requests caught in the cut 503 DATABASE_UNAVAILABLE, and the next ones succeed", async ({ skip }) => {
    if (!available) skip();
    const { token } = await server.register();
    // More rounds than the pool has connections: a client lost in a cut must not stay counted.
    for (let round = 0; round < 12; round++) {
      let caught: Promise<Response>[] = [];
      await whileLocked(["users"], async () => {
        caught = Array.from({ length: 3 }, () =>
          fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } }),
        );
        await blocked(3);
        expect(await cut()).toBeGreaterThanOrEqual(3);
      });
      for (const res of await Promise.all(caught)) {
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("1");
        expect(await res.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
      }
      const after = await server.api("GET", "/api/auth/me", { token });
      expect(after.status).toBe(200);
    }
    expect((await server.api("GET", "/readyz")).status).toBe(200);
  });

  it("survives a connection cut while a transaction waits between queries", async ({ skip }) => {
    if (!available) skip();
    // The shape of publishing to Redis inside a transaction: the connection sits idle, checked out,
    // when the cut comes. pg emits 'error' on such a client; unheard, it would end the process.
    const db = server.app.database.db;
    const attempt = db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await cut();
      await tx.execute(sql`select 1`);
    });
    await expect(attempt).rejects.toThrow();
    await expect(db.execute(sql`select 1`)).resolves.toBeDefined();
  });

  it("lets a finalize caught in the cut be retried, and the worker and live events carry on", async ({ skip }) => {
    if (!available) skip();
    const { token } = await server.register();
    const sources = await Promise.all([1, 2].map((i) => makeTestJpeg({ width: 160 * i, height: 120 })));
    const files = sources.map((b, i) => ({ filename: `cut${i}.jpg`, mimeType: "image/jpeg", bytes: b.length }));
    const job = await server.api("POST", "/commands/upload-jobs", { token, body: { files } });
    expect(job.status).toBe(201);
    const [first, second] = job.body.items;

    const live = stompClient(server.url, "websocket");
    stomps.push(live);
    await connect(live, token);
    const messages = await subscribed(live, jobTopic(job.body.jobId));

    for (const [i, item] of job.body.items.entries()) await sendBytes(server, token, item, sources[i] as Buffer);
    const finalize = (photoId: string) =>
      fetch(`${server.url}/commands/upload/${photoId}/finalize`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });

    // The first finalize is caught in a cut (the worker's polling is caught with it).
    let caught: Promise<Response> | undefined;
    await whileLocked(["photos", "upload_jobs"], async () => {
      caught = finalize(first.photoId);
      // The finalize's own read of the photo, not the worker's poll, must be the one waiting.
      await blocked(1, '%"photos"."user_id" = %');
      await cut();
    });
    const caughtRes = (await caught) as Response;
    expect(caughtRes.status).toBe(503);
    expect(await caughtRes.json()).toMatchObject({ code: "DATABASE_UNAVAILABLE" });

    // The engine retries it: now it goes through, and the second photo is finalized as usual.
    expect((await finalize(first.photoId)).status).toBe(202);
    expect((await finalize(second.photoId)).status).toBe(202);

    // Cut again while the worker processes (claiming, renewing or finishing): it recovers the photos.
    await cut();
    const done = await waitForJob(server, token, job.body.jobId);
    expect(done).toMatchObject({ status: "COMPLETED", completedCount: 2, failedCount: 0 });

    // The socket opened before the cuts still gets the events that followed them.
    await eventually(() => {
      const last = (events(messages) as PushMessage[]).findLast((m) => m.type === "job");
      expect(last).toMatchObject({ status: "COMPLETED", completedCount: 2 });
    });
  });

  it("refuses a STOMP CONNECT caught in a cut with an ERROR frame, and accepts the next one", async ({ skip }) => {
    if (!available) skip();
    const { token } = await server.register();
    const caught = stompClient(server.url, "websocket");
    stomps.push(caught);
    let refused: Promise<unknown> = Promise.resolve();
    await whileLocked(["users"], async () => {
      refused = connect(caught, token);
      refused.catch(() => {});
      await blocked(1);
      await cut();
    });
    await expect(refused).rejects.toThrow(/ERROR/);

    const again = stompClient(server.url, "websocket");
    stomps.push(again);
    await expect(connect(again, token)).resolves.toBeDefined();
  });
});
