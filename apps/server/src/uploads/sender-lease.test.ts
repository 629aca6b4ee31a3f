import { type JobEvent, MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendBytes, uploadAndFinalize } from "../../test/upload-client.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { photos } from "../db/schema.js";
import { DEFAULT_SENDER_LEASE_MS } from "./upload-context.js";
import { createUploadQueries } from "./upload-queries.js";
import { createUploadService } from "./upload-service.js";

const MINUTE = 60_000;
const jpeg = (filename: string, bytes: number) => ({ filename, mimeType: "image/jpeg" as const, bytes });

let server: TestServer;
let alice: { token: string; userId: string };
let clock: Date;
const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.register();
});
afterAll(() => server.close());

function services(published: JobEvent[] = []) {
  const { database, storage, publishEvent, log } = server.app;
  const now = () => clock;
  const publish = (event: JobEvent) => {
    published.push(event);
    return publishEvent(event);
  };
  return {
    uploads: createUploadService({ db: database.db, storage, publish, logger: log, now }),
    queries: createUploadQueries({ db: database.db, now }),
  };
}

const leaseOf = async (photoId: string) =>
  (
    await server.app.database.db.select({ until: photos.senderLeaseUntil }).from(photos).where(eq(photos.id, photoId))
  )[0]?.until?.getTime();

const waiting = async (queries: ReturnType<typeof services>["queries"], jobId: string) =>
  (await queries.getJob(alice.userId, jobId)).photos.map((p) => p.waitingForFile);

describe("the sender lease", () => {
  it("reports photos nobody has sent or signed for a lease as waiting for their file", async () => {
    clock = new Date();
    const { uploads, queries } = services();
    const job = await uploads.createJob(alice.userId, {
      files: [jpeg("a.jpg", 100), jpeg("b.jpg", 100), jpeg("c.jpg", 20 * 1024 * 1024)],
    });
    const jobId = job.jobId as string;
    const [a, b, c] = job.items.map((i) => i.photoId) as [string, string, string];
    expect(await waiting(queries, jobId)).toEqual([false, false, false]);

    // Still sending a: while more than half of the lease is left, a report renews no other photo.
    const created = await leaseOf(b);
    tick(30_000);
    await uploads.reportProgress(alice.userId, { jobId, updates: [{ photoId: a, bytesSent: 5, bytesTotal: 100 }] });
    expect(await leaseOf(b)).toBe(created);
    // Past half of it, the tab holds the whole job again: b and c stay held too.
    tick(MINUTE);
    await uploads.reportProgress(alice.userId, { jobId, updates: [{ photoId: a, bytesSent: 10, bytesTotal: 100 }] });
    expect(await leaseOf(b)).toBe(clock.getTime() + DEFAULT_SENDER_LEASE_MS);
    tick(DEFAULT_SENDER_LEASE_MS - 1);
    expect(await waiting(queries, jobId)).toEqual([false, false, false]);

    // The tab went away: after the lease every unfinished photo waits for its file.
    tick(2);
    expect(await waiting(queries, jobId)).toEqual([true, true, true]);

    // A new tab sends a again: only a is held again, not the photos it does not have.
    await uploads.reportProgress(alice.userId, { jobId, updates: [{ photoId: a, bytesSent: 20, bytesTotal: 100 }] });
    expect(await waiting(queries, jobId)).toEqual([false, true, true]);
    // Signing is sending too.
    await uploads.sign(alice.userId, b);
    await uploads.signParts(alice.userId, c, [1]);
    expect(await waiting(queries, jobId)).toEqual([false, false, false]);
    // The tab gives up: nothing of this job is left waiting for the expiry below.
    await uploads.cancelJob(alice.userId, jobId);
  });

  it("keeps the job's other photos held when a photo is finalized past half of the lease", async () => {
    clock = new Date();
    const { uploads, queries } = services();
    const bytes = await makeTestJpeg({ width: 32, height: 32 });
    const job = await uploads.createJob(alice.userId, {
      files: [jpeg("first.jpg", bytes.length), jpeg("next.jpg", 50)],
    });
    const jobId = job.jobId as string;
    const [first, next] = job.items as [(typeof job.items)[number], (typeof job.items)[number]];
    tick(MINUTE + 1);
    await uploads.finalize(alice.userId, first.photoId, await sendBytes(server, alice.token, first, bytes));
    expect(await leaseOf(next.photoId)).toBe(clock.getTime() + DEFAULT_SENDER_LEASE_MS);
    tick(DEFAULT_SENDER_LEASE_MS - 1);
    expect((await waiting(queries, jobId))[1]).toBe(false);
    await uploads.cancelJob(alice.userId, jobId);
  });

  it("keeps the job's other photos held when photos are finalized together past half of the lease", async () => {
    clock = new Date();
    const published: JobEvent[] = [];
    const { uploads } = services(published);
    const bytes = await makeTestJpeg({ width: 32, height: 32 });
    const job = await uploads.createJob(alice.userId, {
      files: [jpeg("a.jpg", bytes.length), jpeg("b.jpg", bytes.length), jpeg("queued.jpg", 50)],
    });
    const [a, b, queued] = job.items as [
      (typeof job.items)[number],
      (typeof job.items)[number],
      (typeof job.items)[number],
    ];
    tick(MINUTE + 1);
    await sendBytes(server, alice.token, a, bytes);
    await sendBytes(server, alice.token, b, bytes);
    published.length = 0;
    const { results } = await uploads.finalizeMany(alice.userId, [a.photoId, b.photoId]);
    expect(results).toEqual([
      { photoId: a.photoId, status: "PROCESSING" },
      { photoId: b.photoId, status: "PROCESSING" },
    ]);
    // One transition for the job's photos: a push for each photo and one for the job, recounted once.
    const pushed = published.filter((e) => e.message.jobId === job.jobId).map((e) => e.message.type);
    expect(pushed.sort()).toEqual(["job", "photo", "photo"]);
    expect(await leaseOf(queued.photoId)).toBe(clock.getTime() + DEFAULT_SENDER_LEASE_MS);
    // Sent again (an answer lost): nothing newly stored, so nothing held again either.
    const renewed = await leaseOf(queued.photoId);
    tick(MINUTE + 1);
    await uploads.finalizeMany(alice.userId, [a.photoId, b.photoId]);
    expect(await leaseOf(queued.photoId)).toBe(renewed);
    await uploads.cancelJob(alice.userId, job.jobId as string);
  });

  it("never calls a job completed while a photo waits, and expires the waiting photo to a final state", async () => {
    clock = new Date();
    const { uploads, queries } = services();
    const bytes = await makeTestJpeg({ width: 32, height: 32 });
    const job = await uploads.createJob(alice.userId, {
      files: [jpeg("sent.jpg", bytes.length), jpeg("lost.jpg", 50)],
    });
    const jobId = job.jobId as string;
    const [sent] = job.items;
    await uploadAndFinalize(server, alice.token, sent as (typeof job.items)[number], bytes);
    tick(DEFAULT_SENDER_LEASE_MS + 1);
    for (;;) {
      const view = await queries.getJob(alice.userId, jobId);
      if (view.photos[0]?.status === "COMPLETED") {
        expect(view.status).toBe("IN_PROGRESS");
        expect(view.photos[1]).toMatchObject({ status: "QUEUED", waitingForFile: true });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const expireAfter = 24 * 60 * MINUTE;
    expect(await uploads.expireStaleUploads(expireAfter)).toBe(0);
    tick(expireAfter);
    expect(await uploads.expireStaleUploads(expireAfter)).toBe(1);
    const view = await queries.getJob(alice.userId, jobId);
    expect(view.status).toBe("COMPLETED_WITH_ERRORS");
    expect(view.photos[1]).toMatchObject({
      status: "FAILED",
      waitingForFile: false,
      errorMessage: "The upload did not finish in time. Retry to send it again.",
    });
  });

  it("holds photos a tab keeps without sending them (heartbeat), its own and still waiting only", async () => {
    clock = new Date();
    const { uploads, queries } = services();
    const bob = await server.register();
    const job = await uploads.createJob(alice.userId, { files: [jpeg("q.jpg", 100), jpeg("p.jpg", 100)] });
    const jobId = job.jobId as string;
    const [queued, paused] = job.items.map((i) => i.photoId) as [string, string];
    // Past the lease with nothing sent: the heartbeat revives both (the tab holds the files, it only slept).
    tick(DEFAULT_SENDER_LEASE_MS + 1);
    expect(await waiting(queries, jobId)).toEqual([true, true]);
    expect(await uploads.holdPhotos(alice.userId, { photoIds: [queued, paused] })).toEqual({ held: 2 });
    expect(await waiting(queries, jobId)).toEqual([false, false]);
    // Another user holds nothing of alice's; nothing changes and nothing is revealed.
    tick(DEFAULT_SENDER_LEASE_MS + 1);
    expect(await uploads.holdPhotos(bob.userId, { photoIds: [queued] })).toEqual({ held: 0 });
    expect(await waiting(queries, jobId)).toEqual([true, true]);
    // A photo no longer waiting for bytes (cancelled) is skipped, its lease left as it was; a photo
    // named twice is held once.
    await uploads.cancelPhoto(alice.userId, paused);
    const pausedLease = await leaseOf(paused);
    tick(MINUTE);
    expect(await uploads.holdPhotos(alice.userId, { photoIds: [queued, paused, queued] })).toEqual({ held: 1 });
    expect(await leaseOf(queued)).toBe(clock.getTime() + DEFAULT_SENDER_LEASE_MS);
    expect(await leaseOf(paused)).toBe(pausedLease);
    // Through HTTP: an empty list is refused.
    const hold = (body: unknown, token: string | null = alice.token) =>
      server.api("POST", "/commands/upload/hold", { ...(token ? { token } : {}), body });
    const bad = await hold({ photoIds: [] });
    expect(bad.status).toBe(400);
    // As are more ids than one job may hold, an id that is not a photo id, and a caller not signed in.
    expect((await hold({ photoIds: Array(MAX_FILES_PER_JOB + 1).fill(queued) })).status).toBe(400);
    expect((await hold({ photoIds: ["not-a-photo"] })).status).toBe(400);
    expect((await hold({ photoIds: [queued] }, null)).status).toBe(401);
    const ok = await hold({ photoIds: [queued, paused] });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ held: 1 });
    await uploads.cancelJob(alice.userId, jobId);
  });

  it("announces a lapsed lease once, as a push that says the photo waits for its file, until a sender holds it again", async () => {
    clock = new Date();
    const events: JobEvent[] = [];
    const { database, storage, log } = server.app;
    const now = () => clock;
    const uploads = createUploadService({
      db: database.db,
      storage,
      publish: async (event) => void events.push(event),
      logger: log,
      now,
    });
    const queries = createUploadQueries({ db: database.db, now });
    const job = await uploads.createJob(alice.userId, { files: [jpeg("a.jpg", 100), jpeg("b.jpg", 100)] });
    const jobId = job.jobId as string;
    const [a, b] = job.items.map((i) => i.photoId) as [string, string];
    events.length = 0; // the job's creation
    const announced = () => events.filter((e) => e.message.jobId === jobId).map((e) => e.message);
    const updatedAt = async () =>
      (await database.db.select({ at: photos.updatedAt }).from(photos).where(eq(photos.jobId, jobId))).map((r) =>
        r.at.getTime(),
      );

    // Still held: nothing to say.
    tick(DEFAULT_SENDER_LEASE_MS - 1);
    await uploads.announceLapsedLeases();
    expect(announced()).toEqual([]);
    const { seq } = await queries.getJob(alice.userId, jobId);
    const touched = await updatedAt();

    tick(2);
    await uploads.announceLapsedLeases();
    expect(announced()).toEqual([
      expect.objectContaining({ type: "photo", photoId: a, status: "QUEUED", waitingForFile: true, seq: seq + 1 }),
      expect.objectContaining({ type: "photo", photoId: b, status: "QUEUED", waitingForFile: true, seq: seq + 2 }),
    ]);
    expect(events.filter((e) => e.message.jobId === jobId).every((e) => e.kind === "status")).toBe(true);
    const view = await queries.getJob(alice.userId, jobId);
    expect(view.seq).toBe(seq + 2);
    expect(view.photos.map((p) => p.waitingForFile)).toEqual([true, true]);
    // The expiry of abandoned uploads still counts from the last real activity.
    expect(await updatedAt()).toEqual(touched);

    // Announced once, whichever instance sweeps next.
    tick(MINUTE);
    await uploads.announceLapsedLeases();
    expect(announced()).toHaveLength(2);

    // A sender for a again: held, and announced again only once its new lease lapses.
    await uploads.reportProgress(alice.userId, { jobId, updates: [{ photoId: a, bytesSent: 5, bytesTotal: 100 }] });
    expect(await waiting(queries, jobId)).toEqual([false, true]);
    await uploads.announceLapsedLeases();
    // (its progress went out as pushes that say someone is sending it)
    expect(announced().filter((m) => m.type === "photo" && m.waitingForFile)).toHaveLength(2);
    tick(DEFAULT_SENDER_LEASE_MS + 1);
    await uploads.announceLapsedLeases();
    expect(
      announced()
        .filter((m) => m.type === "photo" && m.waitingForFile)
        .map((m) => "photoId" in m && m.photoId),
    ).toEqual([a, b, a]);

    // The tab only slept: its heartbeat holds b again, and the other tabs hear it (once), at the
    // job's next seq like the lapse it undoes.
    events.length = 0;
    const { seq: current } = await queries.getJob(alice.userId, jobId);
    expect(await uploads.holdPhotos(alice.userId, { photoIds: [b] })).toEqual({ held: 1 });
    expect(events).toEqual([
      expect.objectContaining({ kind: "status", message: expect.objectContaining({ photoId: b, seq: current + 1 }) }),
    ]);
    expect(events[0]?.message).not.toHaveProperty("waitingForFile");
    expect(await waiting(queries, jobId)).toEqual([true, false]);
    expect((await queries.getJob(alice.userId, jobId)).seq).toBe(current + 1);
    await uploads.holdPhotos(alice.userId, { photoIds: [b] });
    expect(events).toHaveLength(1);
    await uploads.cancelJob(alice.userId, jobId);
  });
});
