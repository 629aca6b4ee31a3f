import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTrashService } from "../src/library/trash-service.js";
import { StorageError } from "../src/storage/storage.js";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable, serviceAvailable } from "../testing/services.js";
import { destroyBucket, uniqueBucketName } from "./s3/s3-bucket.js";
import { type SwiftTestServer, startSwiftTestServer, swiftClient, swiftStorageEnv } from "./s3/swift-test-server.js";
import { uploadAndFinalize, waitForJob } from "./upload-client.js";

/**
 * The library's lists, search and Trash (DESIGN §4, second wave), on PGlite + disk and on
 * PostgreSQL + S3 (Swift s3api): trash, restore, delete forever and empty Trash, with bad input,
 * another user's ids, illegal moves, storage failing midway, and no object left behind.
 */

type User = { token: string; userId: string };
type Backend = { server: TestServer; listObjects(): Promise<string[]>; retentionDays: number };

function librarySuite(label: string, start: () => Promise<Backend | null>) {
  describe(label, () => {
    let backend: Backend;
    let server: TestServer;
    let alice: User;
    let bob: User;
    let ready = false;
    const jobOf = new Map<string, string>();

    beforeAll(async () => {
      const started = await start();
      if (!started) return;
      backend = started;
      server = started.server;
      alice = await server.register();
      bob = await server.register();
      ready = true;
    }, 600_000);
    afterAll(() => server?.close());

    /** Uploads finished photos for `user` under these names; returns their ids in order. */
    async function upload(user: User, names: string[], opts: { broken?: boolean; taken?: string[] } = {}) {
      const bytes = await Promise.all(
        names.map((_, i) => {
          if (opts.broken) return Buffer.from("not an image at all, though it says jpeg");
          const taken = opts.taken?.[i];
          return makeTestJpeg({
            width: 32,
            height: 24,
            ...(taken ? { exif: { IFD2: { DateTimeOriginal: taken } } } : {}),
          });
        }),
      );
      const files = names.map((filename, i) => ({ filename, mimeType: "image/jpeg", bytes: bytes[i]!.length }));
      const job = await server.api("POST", "/commands/upload-jobs", { token: user.token, body: { files } });
      expect(job.status).toBe(201);
      for (const [i, item] of job.body.items.entries()) await uploadAndFinalize(server, user.token, item, bytes[i]!);
      await waitForJob(server, user.token, job.body.jobId);
      for (const item of job.body.items) jobOf.set(item.photoId, job.body.jobId);
      return job.body.items.map((item: { photoId: string }) => item.photoId) as string[];
    }

    const list = async (user: User, query: string) => {
      const res = await server.api("GET", `/queries/photos?${query}`, { token: user.token });
      expect(res.status).toBe(200);
      return res.body.items.map((p: { photoId: string }) => p.photoId) as string[];
    };
    const command = (user: User, name: string, photoIds?: string[]) =>
      server.api("POST", `/commands/${name}`, { token: user.token, ...(photoIds ? { body: { photoIds } } : {}) });
    const objectsOf = async (photoId: string) => (await backend.listObjects()).filter((k) => k.includes(photoId));

    it("trash moves photos out of the library and Recent into Trash; restore brings them back", async ({ skip }) => {
      if (!ready) skip();
      const [a, b, c] = await upload(alice, ["a.jpg", "b.jpg", "c.jpg"]);
      const trashed = await command(alice, "photos/trash", [a!, b!]);
      expect(trashed.status).toBe(200);
      expect(trashed.body.photoIds).toEqual([a, b]);
      expect(await list(alice, "in=library")).not.toContain(a);
      expect(await list(alice, "in=recent")).not.toContain(b);
      expect(await list(alice, "in=library")).toContain(c);
      const trash = await server.api("GET", "/queries/photos?in=trash", { token: alice.token });
      expect(trash.body.items.map((p: { photoId: string }) => p.photoId)).toEqual(expect.arrayContaining([a, b]));
      expect(trash.body.items[0].trashedAt).toBe(trashed.body.trashedAt);

      // The same request again is no second move; one photo by its path works the same.
      expect((await command(alice, "photos/trash", [a!, b!])).status).toBe(200);
      expect((await command(alice, `photos/${c}/trash`)).status).toBe(200);
      expect(await list(alice, "in=trash")).toEqual(expect.arrayContaining([a, b, c]));

      expect((await command(alice, "photos/restore", [a!, b!])).status).toBe(200);
      expect((await command(alice, `photos/${c}/restore`)).status).toBe(200);
      expect(await list(alice, "in=library")).toEqual(expect.arrayContaining([a, b, c]));
      expect(await list(alice, "in=trash")).not.toContain(a);
      expect((await server.api("GET", `/queries/photos/${a}`, { token: alice.token })).body.trashedAt).toBeNull();
    });

    it("another user's photo answers the same 404 as a missing one, and nothing in the selection moves", async ({
      skip,
    }) => {
      if (!ready) skip();
      const [mine] = await upload(alice, ["mine.jpg"]);
      const [theirs] = await upload(bob, ["theirs.jpg"]);
      const missing = "ph_doesnotexist0000000000";
      for (const name of ["photos/trash", "photos/restore", "photos/delete-forever"]) {
        const other = await command(alice, name, [mine!, theirs!]);
        const none = await command(alice, name, [mine!, missing]);
        expect(other.status).toBe(404);
        expect(none.status).toBe(404);
        expect(other.body.code).toBe("PHOTO_NOT_FOUND");
        expect(other.body.message).toBe(none.body.message);
        expect(other.body.details).toEqual({ photoIds: [theirs] });
        const one = await command(alice, name.replace("photos/", `photos/${theirs}/`));
        const oneMissing = await command(alice, name.replace("photos/", `photos/${missing}/`));
        expect([one.status, one.body.code, one.body.message]).toEqual([
          404,
          "PHOTO_NOT_FOUND",
          oneMissing.body.message,
        ]);
      }
      expect(await list(alice, "in=library")).toContain(mine);
      expect(await list(bob, "in=library")).toContain(theirs);
      expect((await server.api("GET", `/queries/photos/${theirs}`, { token: alice.token })).status).toBe(404);
      // Another user's id never shows up through ids= either.
      expect(await list(alice, `ids=${mine},${theirs}`)).toEqual([mine]);
    });

    it("refuses bad input with 400 and per-field details", async ({ skip }) => {
      if (!ready) skip();
      const [p] = await upload(alice, ["valid.jpg"]);
      const bodies: unknown[] = [
        {},
        { photoIds: [] },
        { photoIds: "ph_abc" },
        { photoIds: ["not-an-id"] },
        { photoIds: [p, p] },
        { photoIds: Array.from({ length: 1001 }, (_, i) => `ph_${String(i).padStart(10, "0")}`) },
      ];
      for (const body of bodies) {
        const res = await server.api("POST", "/commands/photos/trash", { token: alice.token, body });
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.body.code).toBe("VALIDATION_FAILED");
      }
      expect((await command(alice, "photos/not-an-id/trash")).status).toBe(400);
      for (const query of [
        "in=everything",
        "sort=random",
        "in=library&sort=trashed",
        "q=",
        "q=%20%20",
        `q=${"x".repeat(101)}`,
        "q=a%00b",
        "q=%E2%80%AEgpj",
        "ids=",
        "ids=ph_abc,../etc",
        `ids=${Array.from({ length: 201 }, (_, i) => `ph_${String(i).padStart(10, "0")}`).join(",")}`,
        "cursor=bm9wZQ",
        "limit=0",
        "limit=201",
      ]) {
        const res = await server.api("GET", `/queries/photos?${query}`, { token: alice.token });
        expect(res.status, query).toBe(400);
        expect(res.body.code, query).toBe("VALIDATION_FAILED");
      }
      expect((await server.api("POST", "/commands/photos/trash", { body: { photoIds: [p] } })).status).toBe(401);
      expect((await server.api("POST", "/commands/trash/empty", {})).status).toBe(401);
    });

    it("answers 409 for illegal moves: an unfinished upload to Trash, delete forever outside Trash, retry in Trash", async ({
      skip,
    }) => {
      if (!ready) skip();
      const job = await server.api("POST", "/commands/upload-jobs", {
        token: alice.token,
        body: { files: [{ filename: "unfinished.jpg", mimeType: "image/jpeg", bytes: 1000 }] },
      });
      const unfinished = job.body.items[0].photoId;
      const [done] = await upload(alice, ["done.jpg"]);
      const res = await command(alice, "photos/trash", [done!, unfinished]);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: "NOT_TRASHABLE", details: { photoIds: [unfinished] } });
      expect(await list(alice, "in=library")).toContain(done); // nothing moved

      const notInTrash = await command(alice, "photos/delete-forever", [done!]);
      expect(notInTrash.status).toBe(409);
      expect(notInTrash.body.code).toBe("NOT_IN_TRASH");

      // A photo that failed processing can go to Trash, and is not retried from there.
      const [failed] = await upload(alice, ["broken.jpg"], { broken: true });
      expect((await server.api("GET", `/queries/photos/${failed}`, { token: alice.token })).body.status).toBe("FAILED");
      expect((await command(alice, `photos/${failed}/trash`)).status).toBe(200);
      const retry = await server.api("POST", `/commands/upload/${failed}/retry`, { token: alice.token });
      expect(retry.status).toBe(409);
      expect(retry.body.code).toBe("PHOTO_IN_TRASH");
    });

    it("delete forever removes the original and every rendition, and the photo is gone", async ({ skip }) => {
      if (!ready) skip();
      const [a, b] = await upload(alice, ["gone-a.jpg", "gone-b.jpg"]);
      // Original plus two renditions each, before.
      expect((await objectsOf(a!)).length).toBeGreaterThanOrEqual(3);
      await command(alice, "photos/trash", [a!, b!]);
      const del = await command(alice, "photos/delete-forever", [a!]);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ deleted: 1 });
      expect(await objectsOf(a!)).toEqual([]);
      expect((await server.api("GET", `/queries/photos/${a}`, { token: alice.token })).status).toBe(404);
      expect(await list(alice, "in=trash")).not.toContain(a);
      expect((await objectsOf(b!)).length).toBeGreaterThanOrEqual(3); // the other one is untouched

      const single = await command(alice, `photos/${b}/delete-forever`);
      expect(single.body).toEqual({ deleted: 1 });
      expect(await objectsOf(b!)).toEqual([]);
      // Deleting again: it is gone, like any missing photo.
      expect((await command(alice, `photos/${b}/delete-forever`)).status).toBe(404);
    });

    it("a job's counts and status describe the photos it still has after some are deleted forever", async ({
      skip,
    }) => {
      if (!ready) skip();
      const [a, b] = await upload(alice, ["count-a.jpg", "count-b.jpg"]);
      const [bad] = await upload(alice, ["count-bad.jpg"], { broken: true });
      const jobId = jobOf.get(a!)!;
      const view = async (id: string) =>
        (await server.api("GET", `/queries/upload-jobs/${id}`, { token: alice.token })).body;
      const before = await view(jobId);
      expect(before).toMatchObject({ totalCount: 2, completedCount: 2, status: "COMPLETED" });

      await command(alice, "photos/trash", [a!, bad!]);
      expect((await command(alice, "photos/delete-forever", [a!, bad!])).body).toEqual({ deleted: 2 });
      const after = await view(jobId);
      expect(after).toMatchObject({ totalCount: 1, completedCount: 1, status: "COMPLETED" });
      expect(after.photos.map((p: { photoId: string }) => p.photoId)).toEqual([b]);
      expect(after.totalBytes).toBe(after.photos[0].bytes);
      expect(after.seq).toBeGreaterThan(before.seq); // a client following the job sees a gap and refetches

      // A job whose every photo is gone keeps the status it finished with, and counts nothing.
      expect(await view(jobOf.get(bad!)!)).toMatchObject({
        totalCount: 0,
        failedCount: 0,
        status: "FAILED",
        photos: [],
      });
      await command(alice, "photos/trash", [b!]);
      await command(alice, "trash/empty");
      expect(await view(jobId)).toMatchObject({ totalCount: 0, completedCount: 0, status: "COMPLETED", totalBytes: 0 });
    });

    it("two deletes forever of one photo racing past storage leave its job counted once less", async ({ skip }) => {
      if (!ready) skip();
      const [a, b] = await upload(alice, ["race-a.jpg", "race-b.jpg"]);
      const jobId = jobOf.get(a!)!;
      await command(alice, "photos/trash", [a!]);
      const storage = server.app.storage;
      const realDelete = storage.delete.bind(storage);
      const asked: string[] = [];
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Both requests mark the photo and reach its objects before either removes its row.
      storage.delete = async (key, opts) => {
        asked.push(key);
        await gate;
        return realDelete(key, opts);
      };
      let both: Promise<{ status: number }[]>;
      try {
        both = Promise.all([
          command(alice, "photos/delete-forever", [a!]),
          command(alice, "photos/delete-forever", [a!]),
        ]);
        await vi.waitFor(() => expect(new Set(asked).size).toBeLessThan(asked.length), { timeout: 60_000 });
      } finally {
        release();
        storage.delete = realDelete;
      }
      expect((await both).map((res) => res.status)).toEqual([200, 200]);
      const view = (await server.api("GET", `/queries/upload-jobs/${jobId}`, { token: alice.token })).body;
      expect(view).toMatchObject({ totalCount: 1, completedCount: 1, status: "COMPLETED" });
      expect(view.photos.map((p: { photoId: string }) => p.photoId)).toEqual([b]);
    });

    it("Trash's settings say how many days a photo stays (TRASH_RETENTION_DAYS)", async ({ skip }) => {
      if (!ready) skip();
      const res = await server.api("GET", "/queries/trash", { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ retentionDays: backend.retentionDays });
      expect((await server.api("GET", "/queries/trash")).status).toBe(401);
    });

    it("empty Trash deletes every trashed photo of the caller and nothing else", async ({ skip }) => {
      if (!ready) skip();
      const [keep, t1, t2] = await upload(alice, ["keep.jpg", "t1.jpg", "t2.jpg"]);
      const [bobs] = await upload(bob, ["bobs.jpg"]);
      await command(alice, "photos/trash", [t1!, t2!]);
      await command(bob, "photos/trash", [bobs!]);
      const before = (await list(alice, "in=trash")).length;
      const res = await command(alice, "trash/empty");
      expect(res.status).toBe(200);
      expect(res.body.deleted).toBe(before);
      expect(await list(alice, "in=trash")).toEqual([]);
      expect(await objectsOf(t1!)).toEqual([]);
      expect(await objectsOf(t2!)).toEqual([]);
      expect(await list(alice, "in=library")).toContain(keep);
      expect(await list(bob, "in=trash")).toEqual([bobs]);
      expect((await objectsOf(bobs!)).length).toBeGreaterThanOrEqual(3);
      expect((await command(alice, "trash/empty")).body).toEqual({ deleted: 0 });
    });

    it("storage failing midway leaves the photo in Trash, marked; it cannot be restored and a retry finishes", async ({
      skip,
    }) => {
      if (!ready) skip();
      const [p] = await upload(alice, ["flaky.jpg"]);
      await command(alice, "photos/trash", [p!]);
      const storage = server.app.storage;
      const realDelete = storage.delete.bind(storage);
      let calls = 0;
      storage.delete = async (key, opts) => {
        // The first object goes, then storage falls over.
        if (++calls > 1) throw new StorageError("UNAVAILABLE", "storage is down");
        return realDelete(key, opts);
      };
      try {
        const res = await command(alice, "photos/delete-forever", [p!]);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe("STORAGE_UNAVAILABLE");
      } finally {
        storage.delete = realDelete;
      }
      expect(await list(alice, "in=trash")).toContain(p);
      const restore = await command(alice, "photos/restore", [p!]);
      expect(restore.status).toBe(409);
      expect(restore.body.code).toBe("PHOTO_BEING_DELETED");

      expect((await command(alice, "photos/delete-forever", [p!])).body).toEqual({ deleted: 1 });
      expect(await objectsOf(p!)).toEqual([]);
      expect(await list(alice, "in=trash")).not.toContain(p);
    });

    it("the sweep deletes forever what has been in Trash past the retention, and only that", async ({ skip }) => {
      if (!ready) skip();
      const [old, fresh] = await upload(bob, ["old.jpg", "fresh.jpg"]);
      await command(bob, "photos/trash", [old!, fresh!]);
      const db = server.app.database.db;
      const { photos } = await import("../src/db/schema.js");
      const { eq } = await import("drizzle-orm");
      const DAY = 24 * 60 * 60 * 1000;
      await db
        .update(photos)
        .set({ trashedAt: new Date(Date.now() - 31 * DAY) })
        .where(eq(photos.id, old!));
      const trash = createTrashService({ db, storage: server.app.storage, logger: server.app.log });
      expect(await trash.sweep(server.config.trashRetentionMs)).toBeGreaterThanOrEqual(1);
      expect(await objectsOf(old!)).toEqual([]);
      expect(await list(bob, "in=trash")).toContain(fresh);
      expect((await objectsOf(fresh!)).length).toBeGreaterThanOrEqual(3);
    });

    it("searches file names as plain text, case-insensitively, within the caller's library", async ({ skip }) => {
      if (!ready) skip();
      const [beach, percent, under] = await upload(alice, ["Summer_Beach.JPG", "100%_done.jpg", "a_b.jpg"]);
      const [bobsBeach] = await upload(bob, ["beach-bob.jpg"]);
      expect(await list(alice, "q=beach")).toEqual([beach]);
      expect(await list(alice, "q=%25")).toEqual([percent]); // "%" is a character, not a wildcard
      expect(await list(alice, "q=a_b")).toEqual([under]); // "_" too
      expect(await list(alice, "q=%5C")).toEqual([]); // and "\"
      expect(await list(bob, "q=beach")).toEqual([bobsBeach]);
      await command(alice, "photos/trash", [beach!]);
      expect(await list(alice, "q=beach")).toEqual([]);
      expect(await list(alice, "in=trash&q=BEACH")).toEqual([beach]);
      await command(alice, "photos/restore", [beach!]);
    });

    it("pages by date taken without gaps or repeats, and ids= returns just those photos", async ({ skip }) => {
      if (!ready) skip();
      const user = await server.register();
      const ids = await upload(user, ["t1.jpg", "t2.jpg", "t3.jpg", "none.jpg", "t4.jpg"], {
        taken: ["2020:05:01 10:00:00", "2023:01:01 10:00:00", "2021:07:04 10:00:00", "", "2020:05:01 10:00:00"],
      });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: {
          status: number;
          body: { items: { photoId: string; takenAt: string | null }[]; nextCursor: string | null };
        } = await server.api("GET", `/queries/photos?sort=taken&limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
          token: user.token,
        });
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((p) => p.photoId));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(5);
      // Newest taken first; the photo without a date sorts by upload time (now), so first.
      expect(seen[0]).toBe(ids[3]);
      expect(seen.slice(1, 3)).toEqual([ids[1], ids[2]]);
      expect(seen.slice(3).sort()).toEqual([ids[0], ids[4]].sort());
      expect((await list(user, `ids=${ids[2]},${ids[0]}`)).sort()).toEqual([ids[0], ids[2]].sort());
    });
  });
}

/** Every file under the disk store's folders (not the database), with paths relative to DATA_DIR. */
async function diskObjects(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const top of ["objects", "meta", "multipart", "tmp"]) {
    const root = path.join(dataDir, top);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile()) continue;
      const file = path.join(e.parentPath, e.name);
      // A multipart upload's folder is named by its upload id; its key is inside.
      const extra = top === "multipart" && e.name.endsWith(".json") ? await readFile(file, "utf8") : "";
      out.push(`${path.relative(dataDir, file)} ${extra}`);
    }
  }
  return out;
}

librarySuite("library and Trash on PGlite + disk", async () => {
  const server = await startTestServer({ env: { TRASH_RETENTION_DAYS: "7" } });
  return { server, listObjects: () => diskObjects(server.dataDir), retentionDays: 7 };
});

let swift: SwiftTestServer | undefined;
let cleanup: (() => Promise<void>) | undefined;
librarySuite("library and Trash on PostgreSQL + S3 (Swift s3api)", async () => {
  if (!(await postgresAvailable())) return null;
  const up = await serviceAvailable("the S3 test server (Swift)", async () => {
    swift = await startSwiftTestServer();
  });
  if (!up || !swift) return null;
  const bucket = uniqueBucketName();
  const s3 = swiftClient(swift);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const db = await createTempPostgresDatabase();
  cleanup = async () => {
    await destroyBucket(s3, bucket).catch(() => {});
    s3.destroy();
    await db.drop();
  };
  const server = await startTestServer({
    env: {
      DATABASE_URL: db.url,
      ...swiftStorageEnv(swift, bucket),
    },
  });
  const listObjects = async () => {
    const keys: string[] = [];
    for (let token: string | undefined, more = true; more; ) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ""));
      token = page.NextContinuationToken;
      more = Boolean(page.IsTruncated && token);
    }
    return keys;
  };
  return { server, listObjects, retentionDays: 30 };
});

afterAll(async () => {
  await cleanup?.();
  await swift?.stop();
});
