import type { JobEvent, PushMessage } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { DEFAULT_SENDER_LEASE_MS } from "./upload-context.js";
import { createUploadQueries } from "./upload-queries.js";
import { createUploadService } from "./upload-service.js";

/**
 * The sweeps find photos across every job at once and change them job by job (each job locked,
 * its seq bumped and its pushes sent in its own transaction). One sweep over photos of several
 * jobs and users: each job gets exactly its own photos' pushes, from its own owner, at its own
 * next seqs, and its own counts; a sweep cut short by its limit leaves the rest to the next one.
 */

const MINUTE = 60_000;
const jpeg = (filename: string) => ({ filename, mimeType: "image/jpeg" as const, bytes: 100 });

let server: TestServer;
let clock: Date;
const events: JobEvent[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function services() {
  const { database, storage, log } = server.app;
  const now = () => clock;
  const publish = async (event: JobEvent) => void events.push(event);
  return {
    uploads: createUploadService({ db: database.db, storage, publish, logger: log, now }),
    queries: createUploadQueries({ db: database.db, now }),
  };
}

type Job = { jobId: string; userId: string; ids: string[]; seq: number };

/** Three jobs of two users, created in turns so their photos lie interleaved. */
async function threeJobs(): Promise<Job[]> {
  const { uploads, queries } = services();
  const alice = await server.register();
  const bob = await server.register();
  const owners = [alice, bob, alice];
  const jobs: Job[] = [];
  for (const [n, owner] of owners.entries()) {
    const created = await uploads.createJob(owner.userId, { files: [jpeg(`${n}a.jpg`), jpeg(`${n}b.jpg`)] });
    const jobId = created.jobId as string;
    const { seq } = await queries.getJob(owner.userId, jobId);
    jobs.push({ jobId, userId: owner.userId, ids: created.items.map((i) => i.photoId), seq });
  }
  // Nothing of them left waiting for the next test's sweeps, whatever this one did.
  onTestFinished(async () => {
    for (const job of jobs) await uploads.cancelJob(job.userId, job.jobId).catch(() => {});
  });
  return jobs;
}

const photoPushes = (jobId: string) =>
  events
    .filter((e) => e.message.jobId === jobId)
    .map((e): [string, PushMessage] => [e.userId, e.message])
    .filter(([, m]) => m.type === "photo");

describe("one sweep over several jobs", () => {
  it("announces each job's lapsed leases to its owner at that job's own next seqs, the limit leaving the rest for the next sweep", async () => {
    const created = Date.now();
    clock = new Date(created);
    const { uploads, queries } = services();
    const jobs = await threeJobs();
    const [first, second, third] = jobs as [Job, Job, Job];
    // The tab still holds the second job's last photo (its heartbeat), so it does not lapse with the others.
    clock = new Date(created + DEFAULT_SENDER_LEASE_MS / 2);
    expect(await uploads.holdPhotos(second.userId, { photoIds: [second.ids[1] as string] })).toEqual({ held: 1 });
    clock = new Date(created + DEFAULT_SENDER_LEASE_MS + 1);
    events.length = 0;

    // Five photos lapsed across three jobs; a sweep of at most 3, then the rest.
    const announced = [await uploads.announceLapsedLeases(3), await uploads.announceLapsedLeases(3)];
    expect(announced).toEqual([3, 2]);
    expect(await uploads.announceLapsedLeases(3)).toBe(0);

    const expected: [Job, string[]][] = [
      [first, first.ids],
      [second, [second.ids[0] as string]],
      [third, third.ids],
    ];
    for (const [job, lapsed] of expected) {
      const pushes = photoPushes(job.jobId);
      expect(pushes.map(([userId]) => userId)).toEqual(lapsed.map(() => job.userId));
      expect(pushes.map(([, m]) => m.type === "photo" && [m.photoId, m.waitingForFile, m.seq])).toEqual(
        lapsed.map((photoId, i) => [photoId, true, job.seq + 1 + i]),
      );
      const view = await queries.getJob(job.userId, job.jobId);
      expect(view.seq).toBe(job.seq + lapsed.length);
      expect(view.photos.filter((p) => p.waitingForFile).map((p) => p.photoId)).toEqual(lapsed);
      expect(view).toMatchObject({ status: "QUEUED", queuedCount: 2 }); // a lapse changes no count
    }
  });

  it("expires each job's abandoned photos into that job's own counts, status and seqs", async () => {
    const created = Date.now();
    clock = new Date(created);
    const { uploads, queries } = services();
    const jobs = await threeJobs();
    const [first, second, third] = jobs as [Job, Job, Job];
    // The second job's last photo is still being sent: not abandoned. (Its report starts it, a
    // transition, stamped with the clock's time like every other change.)
    const expireAfter = 60 * MINUTE;
    clock = new Date(created + expireAfter / 2);
    await uploads.reportProgress(second.userId, {
      jobId: second.jobId,
      updates: [{ photoId: second.ids[1] as string, bytesSent: 10, bytesTotal: 100 }],
    });
    clock = new Date(created + expireAfter + MINUTE);
    events.length = 0;

    const expired = [
      await uploads.expireStaleUploads(expireAfter, 3),
      await uploads.expireStaleUploads(expireAfter, 3),
    ];
    expect(expired).toEqual([3, 2]);
    expect(await uploads.expireStaleUploads(expireAfter, 3)).toBe(0);

    for (const job of [first, third]) {
      const view = await queries.getJob(job.userId, job.jobId);
      expect(view).toMatchObject({ status: "FAILED", failedCount: 2, queuedCount: 0, uploadingCount: 0 });
      const seqs = events.filter((e) => e.message.jobId === job.jobId).map((e) => e.message.seq);
      expect(seqs.at(-1)).toBe(view.seq);
      expect(seqs).toEqual(seqs.map((_, i) => job.seq + 1 + i)); // one after another, whatever the sweep cut
      expect(events.filter((e) => e.message.jobId === job.jobId).every((e) => e.userId === job.userId)).toBe(true);
    }
    const view = await queries.getJob(second.userId, second.jobId);
    expect(view).toMatchObject({ status: "IN_PROGRESS", failedCount: 1, uploadingCount: 1, queuedCount: 0 });
    expect(view.photos.map((p) => p.status)).toEqual(["FAILED", "UPLOADING"]);
    expect(events.filter((e) => e.message.jobId === second.jobId).every((e) => e.userId === second.userId)).toBe(true);
  });
});
