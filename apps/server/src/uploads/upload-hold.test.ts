import type { JobEvent } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../../testing/services.js";
import { photos } from "../db/schema.js";
import { DEFAULT_SENDER_LEASE_MS } from "./upload-context.js";
import { createUploadQueries } from "./upload-queries.js";
import { createUploadService } from "./upload-service.js";

/**
 * The heartbeat (upload-hold.ts) at the same time as the other changes of a job's photos: the lapse
 * sweep, transitions, other heartbeats. Whatever the order the database runs them in, the pushes of
 * a job leave in `seq` order, no two status pushes share a `seq`, and what the last push about a
 * photo says (waiting for its file or not) is what the database holds.
 */

const jpeg = (filename: string) => ({ filename, mimeType: "image/jpeg" as const, bytes: 100 });

const backends = [
  { name: "PGlite", setup: async () => ({ env: {}, url: undefined, teardown: async () => {} }) },
  {
    name: "PostgreSQL",
    setup: async () => {
      if (!(await postgresAvailable())) return null; // fails instead under CI=true (services.ts)
      const temp = await createTempPostgresDatabase();
      return { env: { DATABASE_URL: temp.url }, url: temp.url, teardown: temp.drop };
    },
  },
];

/** A few turns of the microtask queue: lets the first call get its statements in before the second starts. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe.each(backends)("the heartbeat beside other changes of its job on $name", ({ name, setup }) => {
  let server: TestServer | undefined;
  let databaseUrl: string | undefined;
  let teardown = async () => {};
  let clock = new Date();
  let user: { userId: string } | undefined;
  const events: JobEvent[] = [];
  /** Called with every event as it is published, inside the transaction that made it. */
  let onPublish: (event: JobEvent) => Promise<void> = async () => {};

  beforeAll(async () => {
    const env = await setup();
    if (!env) return;
    teardown = env.teardown;
    databaseUrl = env.url;
    server = await startTestServer({ env: env.env });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await teardown();
  });

  function services() {
    const { database, storage, log } = (server as TestServer).app;
    const now = () => clock;
    const publish = async (event: JobEvent) => {
      events.push(event);
      await onPublish(event);
    };
    return {
      uploads: createUploadService({ db: database.db, storage, publish, logger: log, now }),
      queries: createUploadQueries({ db: database.db, now }),
    };
  }

  /** A job of `n` photos whose sender lease lapsed, not announced yet; the clock past the lapse. */
  async function lapsedJob(n: number) {
    const { uploads } = services();
    user ??= await (server as TestServer).register();
    const job = await uploads.createJob(user.userId, { files: Array.from({ length: n }, (_, i) => jpeg(`${i}.jpg`)) });
    clock = new Date(clock.getTime() + DEFAULT_SENDER_LEASE_MS + 1);
    return { userId: user.userId, jobId: job.jobId as string, ids: job.items.map((i) => i.photoId) };
  }

  const pushesOf = (jobId: string) => events.filter((e) => e.message.jobId === jobId);

  /** Status pushes of the job leave with seq rising by one each; progress never goes back. */
  function expectSeqOrder(jobId: string, from: number) {
    let last = from;
    for (const event of pushesOf(jobId)) {
      if (event.kind === "status") expect(event.message.seq).toBe(last + 1);
      else expect(event.message.seq).toBeGreaterThanOrEqual(last);
      last = event.message.seq;
    }
  }

  /** What the last push about each photo said: waiting for its file or not (undefined: no push). */
  function lastSaid(jobId: string, photoId: string): boolean | undefined {
    const about = pushesOf(jobId).filter((e) => e.message.type === "photo" && e.message.photoId === photoId);
    const last = about.at(-1)?.message;
    return last && last.type === "photo" ? last.waitingForFile === true : undefined;
  }

  const leaseOf = async (photoId: string) =>
    (
      await (server as TestServer).app.database.db
        .select({ until: photos.senderLeaseUntil })
        .from(photos)
        .where(eq(photos.id, photoId))
    )[0]?.until;

  it("never leaves a photo it holds announced as waiting for its file, whichever of it and the lapse sweep runs first", async ({
    skip,
  }) => {
    if (!server) skip();
    const { uploads, queries } = services();
    // The sweep first or the heartbeat first, each a few microtask turns ahead of the other, so
    // the other's statements fall between its own in as many places as they can.
    for (const sweepFirst of [true, false]) {
      for (let lead = 0; lead <= 12; lead += 2) {
        const { userId, jobId, ids } = await lapsedJob(1);
        const [photoId] = ids as [string];
        const { seq } = await queries.getJob(userId, jobId);
        events.length = 0;
        const sweep = () => uploads.announceLapsedLeases();
        const hold = () => uploads.holdPhotos(userId, { photoIds: [photoId] });
        const [first, second] = sweepFirst ? [sweep, hold] : [hold, sweep];
        const started = first();
        await turns(lead);
        await Promise.all([started, second()]);

        expect(await leaseOf(photoId), `sweep first: ${sweepFirst}, lead ${lead}`).not.toBeNull();
        expect(lastSaid(jobId, photoId), `sweep first: ${sweepFirst}, lead ${lead}`).not.toBe(true);
        expect((await queries.getJob(userId, jobId)).photos[0]?.waitingForFile).toBe(false);
        expectSeqOrder(jobId, seq);
      }
    }
  });

  it("pushes each photo held again once, at a seq of its own, when heartbeats and a transition of its job run at once", async ({
    skip,
  }) => {
    if (!server) skip();
    const { uploads, queries } = services();
    const { userId, jobId, ids } = await lapsedJob(4);
    const [cancelled, ...held] = ids as [string, ...string[]];
    await uploads.announceLapsedLeases();
    const { seq } = await queries.getJob(userId, jobId);
    events.length = 0;

    // Two tabs' heartbeats (the same files: a tab and its reload) and a cancel, all at once.
    const results = await Promise.all([
      uploads.holdPhotos(userId, { photoIds: held }),
      uploads.cancelPhoto(userId, cancelled),
      uploads.holdPhotos(userId, { photoIds: held }),
    ]);
    // Every photo held by one heartbeat or both (the second may find them held by the first).
    const heldBy = [results[0], results[2]].map((r) => (r as { held: number }).held);
    expect(Math.max(...heldBy)).toBe(held.length);

    const revivals = pushesOf(jobId).filter((e) => e.message.type === "photo" && e.message.status === "QUEUED");
    expect(revivals.map((e) => e.message.type === "photo" && e.message.photoId).sort()).toEqual([...held].sort());
    expect(revivals.every((e) => e.kind === "status" && !("waitingForFile" in e.message))).toBe(true);
    expectSeqOrder(jobId, seq);
    const view = await queries.getJob(userId, jobId);
    expect(view.seq).toBe(pushesOf(jobId).at(-1)?.message.seq);
    expect(view.seq).toBe(seq + held.length + 2); // one per photo held again, the cancel and its recount
    expect(view.photos.map((p) => p.waitingForFile)).toEqual([false, false, false, false]);
  });

  // PGlite runs one transaction at a time with nothing beside it: there is nothing to interleave.
  if (name === "PostgreSQL")
    it("waits for a change of the job in flight and pushes after it (PostgreSQL: a heartbeat runs beside a transaction)", async ({
      skip,
    }) => {
      if (!server || !databaseUrl) skip();
      const { uploads, queries } = services();
      const { userId, jobId, ids } = await lapsedJob(2);
      const [cancelled, revived] = ids as [string, string];
      await uploads.announceLapsedLeases();
      const { seq } = await queries.getJob(userId, jobId);
      events.length = 0;

      // The cancel stops at its first push, inside its transaction, job row locked, until the
      // heartbeat has either finished (it did not wait) or waits for a lock.
      const probe = new pg.Client({ connectionString: databaseUrl });
      await probe.connect();
      let holdDone = false;
      const waitsForLock = async () =>
        (
          await probe.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          )
        ).rows[0]?.n ?? 0;
      let stopped = false;
      onPublish = async () => {
        if (stopped) return;
        stopped = true;
        while (!holdDone && (await waitsForLock()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      try {
        const cancel = uploads.cancelPhoto(userId, cancelled);
        while (!stopped) await new Promise((resolve) => setTimeout(resolve, 5));
        const hold = uploads.holdPhotos(userId, { photoIds: [revived] }).finally(() => {
          holdDone = true;
        });
        await Promise.all([cancel, hold]);
      } finally {
        onPublish = async () => {};
        await probe.end();
      }
      // The cancel's photo and job pushes, then the photo held again at the seq after them.
      expectSeqOrder(jobId, seq);
      expect(pushesOf(jobId).map((e) => e.message.type === "photo" && e.message.photoId)).toEqual([
        cancelled,
        false,
        revived,
      ]);
      expect((await queries.getJob(userId, jobId)).seq).toBe(seq + 3);
    });
});
