import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { holdWrites } from "../../test/support/held-writes.js";
import { uploadAndFinalize } from "../../test/upload-client.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../../testing/services.js";
import { photos } from "../db/schema.js";

/**
 * The worker recording a photo's result and a cancel of the same photo, at the same moment, on
 * PostgreSQL (PGlite runs one transaction at a time: nothing to interleave). Both lock the job row
 * and the photo row; taken in opposite orders (photo then job, job then photo) they deadlock and
 * PostgreSQL aborts one of them: the cancel answers 500, or the worker's result is thrown away.
 * Taken in one order, one simply waits for the other.
 */
describe("the worker's result beside a cancel of the same photo (PostgreSQL)", () => {
  let server: TestServer | undefined;
  let databaseUrl = "";
  let teardown = async () => {};

  beforeAll(async () => {
    if (!(await postgresAvailable())) return; // fails instead under CI=true (services.ts)
    const temp = await createTempPostgresDatabase();
    teardown = temp.drop;
    databaseUrl = temp.url;
    server = await startTestServer({ env: { DATABASE_URL: temp.url } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await teardown();
  });

  it("makes the cancel wait for the result being recorded instead of deadlocking with it", async ({ skip }) => {
    if (!server) return skip();
    const { db } = server.app.database;
    const { token } = await server.register();
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const created = await server.api("POST", "/commands/upload-jobs", {
      token,
      body: { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: bytes.length }] },
    });
    const item = created.body.items[0];
    const photoId: string = item.photoId;

    // The worker stops before writing the photo's thumbnails (claimed, processed, not yet recorded).
    const held = holdWrites(server.app.storage, (key) => key.includes(photoId));

    // A third transaction holds the photo row, so that the worker's transaction and the cancel's
    // both queue on it (the worker first) and then each take their next lock in turn.
    const holder = new pg.Client({ connectionString: databaseUrl });
    const probe = new pg.Client({ connectionString: databaseUrl });
    await Promise.all([holder.connect(), probe.connect()]);
    const lockWaiters = async () =>
      (
        await probe.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        )
      ).rows[0]?.n ?? 0;
    // The test waits for conditions, never for a duration. Each wait has a bound that only fires if
    // something hangs (30 s, checked every 20 ms), below the test's own limit, so a hang says what
    // it was waiting for.
    const WAIT = { timeout: 30_000, interval: 20 };
    const untilWaiting = (n: number, who: string) =>
      vi.waitFor(async () => expect(await lockWaiters(), `${who} waiting for a lock`).toBeGreaterThanOrEqual(n), WAIT);
    try {
      await uploadAndFinalize(server, token, item, bytes);
      await held.reached;
      await holder.query("begin");
      await holder.query("select id from photos where id = $1 for update", [photoId]);
      held.release();
      await untilWaiting(1, "the worker's transaction, recording the result,");
      const cancel = server.api("POST", `/commands/upload/${photoId}/cancel`, { token });
      await untilWaiting(2, "the cancel's transaction, beside the worker's,");
      await holder.query("commit");
      const answer = await cancel;
      // The worker queued first, so it records the photo first; the cancel then finds it finished.
      // (With the locks in opposite orders, PostgreSQL aborts one of the two as a deadlock victim.)
      const status = await vi.waitFor(async () => {
        const [row] = await db
          .select({ status: photos.status, leaseOwner: photos.leaseOwner })
          .from(photos)
          .where(eq(photos.id, photoId));
        expect(row, "the photo, recorded by the worker and released (status and lease owner)").toMatchObject({
          status: expect.not.stringMatching(/^PROCESSING$/),
          leaseOwner: null,
        });
        return row?.status;
      }, WAIT);
      expect({ cancel: answer.status, code: answer.body?.code ?? answer.body?.error, photo: status }).toEqual({
        cancel: 409,
        code: "ILLEGAL_TRANSITION",
        photo: "COMPLETED",
      });
    } finally {
      held.restore();
      await holder.query("rollback").catch(() => {});
      await Promise.all([holder.end(), probe.end()]);
    }
  }, 120_000);
});
