import { MAX_FILE_BYTES, MAX_FINALIZE_BATCH, PARTS_SIGNED_WITH_ITEM } from "@rapidphoto/protocol";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendBytes, uploadAndFinalize, waitForJob } from "../../test/upload-client.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { photos, uploadJobs } from "../db/schema.js";
import { applyTransitions } from "../photos/photo-transitions.js";
import { originalKey } from "../photos/storage-keys.js";
import { StorageError } from "../storage/storage.js";
import { createUploadService } from "./upload-service.js";
import { uploadKey } from "./upload-storage.js";

const MiB = 1024 * 1024;
const jpeg = (filename: string, bytes: number) => ({ filename, mimeType: "image/jpeg", bytes });

let server: TestServer;
let alice: { token: string; userId: string };
let bob: { token: string; userId: string };

beforeAll(async () => {
  server = await startTestServer();
  alice = await server.register();
  bob = await server.register();
});
afterAll(() => server.close());

async function rowCounts() {
  const db = server.app.database.db;
  const [j] = await db.select({ n: count() }).from(uploadJobs);
  const [p] = await db.select({ n: count() }).from(photos);
  return { jobs: j?.n, photos: p?.n };
}

const createJob = (token: string, files: unknown[]) =>
  server.api("POST", "/commands/upload-jobs", { token, body: { files } });

describe("create upload job", () => {
  it("refuses more files than the configured job limit, naming the limit, and creates nothing", async () => {
    const { database, storage, publishEvent, log } = server.app;
    const limited = createUploadService({
      db: database.db,
      storage,
      publish: publishEvent,
      logger: log,
      maxFilesPerJob: 2,
    });
    const file = (filename: string) => ({ filename, mimeType: "image/jpeg" as const, bytes: 100 });
    const before = await rowCounts();
    await expect(
      limited.createJob(alice.userId, { files: [file("a.jpg"), file("b.jpg"), file("c.jpg")] }),
    ).rejects.toMatchObject({
      code: "TOO_MANY_FILES",
      statusCode: 400,
      details: { maxFiles: 2 },
    });
    expect(await rowCounts()).toEqual(before);
    expect((await limited.createJob(alice.userId, { files: [file("a.jpg"), file("b.jpg")] })).items).toHaveLength(2);
  });

  it("takes the job limit from MAX_FILES_PER_JOB and names it in the 400 a client splits by", async () => {
    const limited = await startTestServer({ env: { MAX_FILES_PER_JOB: "2" } });
    try {
      const carol = await limited.register();
      const files = [jpeg("a.jpg", 100), jpeg("b.jpg", 100), jpeg("c.jpg", 100)];
      const res = await limited.api("POST", "/commands/upload-jobs", { token: carol.token, body: { files } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "TOO_MANY_FILES", details: { maxFiles: 2 } });
      const two = await limited.api("POST", "/commands/upload-jobs", {
        token: carol.token,
        body: { files: files.slice(0, 2) },
      });
      expect(two.status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it("picks a single PUT up to 5 MiB and multipart above, with parts of at least 8 MiB", async () => {
    const res = await createJob(alice.token, [
      { ...jpeg("small.jpg", 5 * MiB), clientId: "c1" },
      jpeg("big.jpg", 5 * MiB + 1),
      jpeg("huge.jpg", MAX_FILE_BYTES),
    ]);
    expect(res.status).toBe(201);
    const [small, big, huge] = res.body.items;
    expect(small).toMatchObject({ method: "PUT", clientId: "c1" });
    expect(small.url).toMatch(/\/storage\//);
    expect(big).toMatchObject({ method: "MULTIPART", clientId: null, multipart: { partSize: 8 * MiB, partCount: 1 } });
    expect(huge.multipart.partSize).toBeGreaterThanOrEqual(8 * MiB);
    expect(huge.multipart.partCount).toBeLessThanOrEqual(10_000);
    expect(huge.multipart.partCount).toBe(Math.ceil(MAX_FILE_BYTES / huge.multipart.partSize));
    const job = await server.api("GET", `/queries/upload-jobs/${res.body.jobId}`, { token: alice.token });
    expect(job.body).toMatchObject({
      status: "QUEUED",
      totalCount: 3,
      queuedCount: 3,
      totalBytes: 10 * MiB + 1 + MAX_FILE_BYTES,
    });
    expect(job.body.photos.map((p: { filename: string }) => p.filename)).toEqual(["small.jpg", "big.jpg", "huge.jpg"]);
  });

  it("signs a multipart item's first parts with it: they store the parts, no more than a part's bytes, and finalize", async () => {
    const size = 20 * MiB;
    const bytes = Buffer.alloc(size, 7);
    const res = await createJob(alice.token, [jpeg("big.jpg", size), jpeg("huge.jpg", MAX_FILE_BYTES)]);
    const [big, huge] = res.body.items;
    const { partSize, partCount, signedParts } = big.multipart;
    expect(partCount).toBe(3);
    expect(signedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2, 3]);
    // A file of many parts carries only its first few; the rest are signed as they are needed.
    expect(huge.multipart.signedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual(
      Array.from({ length: PARTS_SIGNED_WITH_ITEM }, (_, i) => i + 1),
    );

    // A URL is bounded by its part: one byte more is refused and nothing is kept.
    const tooLong = await fetch(signedParts[0].url, { method: "PUT", body: bytes.subarray(0, partSize + 1) });
    expect(tooLong.status).toBe(413);
    const parts: { partNumber: number; etag: string }[] = [];
    for (const u of signedParts) {
      const start = (u.partNumber - 1) * partSize;
      const put = await fetch(u.url, { method: "PUT", body: bytes.subarray(start, start + partSize) });
      expect(put.status).toBe(200);
      parts.push({ partNumber: u.partNumber, etag: put.headers.get("etag") as string });
    }
    const done = await server.api("POST", `/commands/upload/${big.photoId}/finalize`, {
      token: alice.token,
      body: { uploadId: big.multipart.uploadId, parts },
    });
    expect(done.status).toBe(202);
    expect(done.body).toMatchObject({ photoId: big.photoId, status: "PROCESSING" });

    // A URL that came with the job is worth nothing once the photo is cancelled: its upload is aborted.
    const cancel = await server.api("POST", `/commands/upload/${huge.photoId}/cancel`, { token: alice.token });
    expect(cancel.status).toBe(200);
    const late = await fetch(huge.multipart.signedParts[0].url, { method: "PUT", body: Buffer.alloc(10) });
    expect(late.ok).toBe(false);
  });

  const bad: [string, unknown][] = [
    ["no files", []],
    ["more than 1000 files", Array.from({ length: 1001 }, (_, i) => jpeg(`p${i}.jpg`, 10))],
    ["zero bytes", [jpeg("a.jpg", 0)]],
    ["negative bytes", [jpeg("a.jpg", -5)]],
    ["fractional bytes", [jpeg("a.jpg", 1.5)]],
    ["more than 5 GiB", [jpeg("a.jpg", MAX_FILE_BYTES + 1)]],
    ["a non-image type", [{ filename: "a.pdf", mimeType: "application/pdf", bytes: 10 }]],
    ["an empty filename", [jpeg("", 10)]],
    ["a filename over 255 bytes", [jpeg(`${"é".repeat(128)}.jpg`, 10)]],
    ["a path separator", [jpeg("../etc/passwd.jpg", 10)]],
    ["a backslash", [jpeg("dir\\a.jpg", 10)]],
    ["a control character", [jpeg("a\u0000.jpg", 10)]],
    ["a newline", [jpeg("a\n.jpg", 10)]],
    ["bytes as a string", [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: "10" }]],
    ["a right-to-left override (exe shown as jpg)", [jpeg("photo\u202Egpj.exe", 10)]],
    ["a bidi embedding", [jpeg("\u202Aa.jpg", 10)]],
    ["a bidi isolate", [jpeg("a\u2067b\u2069.jpg", 10)]],
    ["a lone high surrogate", [jpeg("a\ud83d.jpg", 10)]],
    ["a lone low surrogate", [jpeg("a\ude00.jpg", 10)]],
    [
      "two files with one clientId",
      [
        { ...jpeg("a.jpg", 10), clientId: "same" },
        { ...jpeg("b.jpg", 10), clientId: "same" },
      ],
    ],
  ];
  it.each(bad)("rejects %s with 400 and creates nothing, even beside good files", async (_name, files) => {
    const before = await rowCounts();
    const withGood =
      Array.isArray(files) && files.length > 0 && files.length <= 1000 ? [jpeg("ok.jpg", 10), ...files] : files;
    const res = await createJob(alice.token, withGood as unknown[]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(res.body.details.fieldErrors)[0]).toMatch(/^files/);
    expect(await rowCounts()).toEqual(before);
  });

  it("rejects a body that is not JSON, and requires a token", async () => {
    const res = await fetch(`${server.url}/commands/upload-jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice.token}` },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("BAD_JSON");
    const anon = await createJob("", [jpeg("a.jpg", 10)]);
    expect(anon.status).toBe(401);
  });

  it("undoes started multipart uploads when the job cannot be stored", async () => {
    const storage = server.app.storage;
    const started: { key: string; uploadId: string }[] = [];
    const original = storage.createMultipart.bind(storage);
    let calls = 0;
    storage.createMultipart = async (key, o) => {
      calls += 1;
      if (calls === 3) throw new Error("storage went away");
      const r = await original(key, o);
      started.push({ key, uploadId: r.uploadId });
      return r;
    };
    try {
      const before = await rowCounts();
      const res = await createJob(
        alice.token,
        Array.from({ length: 6 }, (_, i) => jpeg(`big${i}.jpg`, 6 * MiB)),
      );
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ code: "INTERNAL", message: "Something went wrong on our side." });
      expect(await rowCounts()).toEqual(before);
      expect(started.length).toBeGreaterThan(0);
      for (const s of started) {
        await expect(storage.listParts(s.key, s.uploadId)).rejects.toSatisfy(
          (e: unknown) => e instanceof StorageError && e.code === "NO_SUCH_UPLOAD",
        );
      }
    } finally {
      storage.createMultipart = original;
    }
  });
});

describe("ownership", () => {
  it("treats someone else's job or photo exactly like an unknown one", async () => {
    const { body } = await createJob(alice.token, [jpeg("a.jpg", 100)]);
    const photoId = body.items[0].photoId;
    const unknownPhoto = "ph_AAAAAAAAAAAAAAAAAAAA";
    const unknownJob = "job_AAAAAAAAAAAAAAAAAAAA";
    const calls: [string, string, unknown?][] = [
      ["GET", `/queries/upload-jobs/%s`],
      ["POST", `/commands/upload-jobs/%s/cancel`],
      ["POST", `/commands/upload/progress`, { jobId: "%s", updates: [{ photoId, bytesSent: 1, bytesTotal: 100 }] }],
    ];
    for (const [method, path, b] of calls) {
      const asBob = await server.api(method, path.replace("%s", body.jobId), {
        token: bob.token,
        body: b ? JSON.parse(JSON.stringify(b).replace("%s", body.jobId)) : undefined,
      });
      const unknown = await server.api(method, path.replace("%s", unknownJob), {
        token: bob.token,
        body: b ? JSON.parse(JSON.stringify(b).replace("%s", unknownJob)) : undefined,
      });
      expect(asBob.status).toBe(404);
      expect(asBob.body).toEqual(unknown.body);
    }
    for (const action of ["finalize", "cancel", "retry", "sign"]) {
      const asBob = await server.api("POST", `/commands/upload/${photoId}/${action}`, { token: bob.token, body: {} });
      const unknown = await server.api("POST", `/commands/upload/${unknownPhoto}/${action}`, {
        token: bob.token,
        body: {},
      });
      expect(asBob.status, action).toBe(404);
      expect(asBob.body).toEqual(unknown.body);
    }
    const detail = await server.api("GET", `/queries/photos/${photoId}`, { token: bob.token });
    expect(detail.status).toBe(404);
    const malformed = await server.api("GET", "/queries/upload-jobs/not-a-job", { token: alice.token });
    expect(malformed.status).toBe(400);
  });
});

describe("finalize", () => {
  it("refuses before any upload, accepts once, and answers a second finalize as it is now", async () => {
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", bytes.length)]);
    const item = body.items[0];
    const early = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, {
      token: alice.token,
      body: {},
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("UPLOAD_INCOMPLETE");
    const job = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token });
    expect(job.body.photos[0].status).toBe("QUEUED"); // still retryable

    await uploadAndFinalize(server, alice.token, item, bytes);
    const twice = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, {
      token: alice.token,
      body: {},
    });
    // A client whose first answer was lost finalizes again: the same success, nothing changed.
    expect(twice.status).toBe(202);
    expect(["PROCESSING", "COMPLETED"]).toContain(twice.body.status);
    const done = await waitForJob(server, alice.token, body.jobId);
    expect(done.status).toBe("COMPLETED");
  });

  it("refuses a short object", async () => {
    const { body } = await createJob(alice.token, [jpeg("a.jpg", 1000)]);
    const item = body.items[0];
    // The signed URL is bound to the declared size, so a short body never lands.
    const put = await fetch(item.url, { method: "PUT", body: Buffer.alloc(999) });
    expect(put.ok).toBe(false);
    const res = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, { token: alice.token, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("UPLOAD_INCOMPLETE");
  });

  it("refuses wrong ETags, missing parts, out-of-range parts and a foreign upload id", async () => {
    const size = 12 * MiB;
    const bytes = Buffer.alloc(size, 7);
    const { body } = await createJob(alice.token, [jpeg("big.jpg", size)]);
    const item = body.items[0];
    expect(item.multipart.partCount).toBe(2);
    const good = (await sendBytes(server, alice.token, item, bytes)) as {
      uploadId: string;
      parts: { partNumber: number; etag: string }[];
    };
    const finalize = (b: unknown) =>
      server.api("POST", `/commands/upload/${item.photoId}/finalize`, { token: alice.token, body: b });

    const wrongEtag = await finalize({
      ...good,
      parts: [good.parts[0], { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"' }],
    });
    expect(wrongEtag.status).toBe(409);
    expect(wrongEtag.body.code).toBe("UPLOAD_INCOMPLETE");

    const missing = await finalize({ ...good, parts: [good.parts[0]] });
    expect(missing.status).toBe(409);
    expect(missing.body.details.missing).toEqual([2]);

    const outOfRange = await finalize({ ...good, parts: [...good.parts, { partNumber: 3, etag: '"x"' }] });
    expect(outOfRange.status).toBe(400);

    const foreign = await finalize({ ...good, uploadId: "someone-elses" });
    expect(foreign.status).toBe(409);

    const noParts = await finalize({});
    expect(noParts.status).toBe(400);

    const signOutOfRange = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
      token: alice.token,
      body: { partNumbers: [3] },
    });
    expect(signOutOfRange.status).toBe(400);
    const signZero = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
      token: alice.token,
      body: { partNumbers: [0] },
    });
    expect(signZero.status).toBe(400);

    // After all that, the right parts still finalize: nothing above broke the upload.
    const ok = await finalize(good);
    expect(ok.status).toBe(202);
    expect(ok.body).toEqual({ photoId: item.photoId, status: "PROCESSING" });
  });
});

describe("finalize many", () => {
  const finalizeMany = (token: string | undefined, photoIds: unknown) =>
    server.api("POST", "/commands/upload/finalize", { token, body: { photoIds } });

  /** A job of Alice's small JPEGs with every file's bytes sent, not finalized yet. */
  async function sentJob(...names: string[]) {
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const { body } = await createJob(
      alice.token,
      names.map((name) => jpeg(name, bytes.length)),
    );
    for (const item of body.items) await sendBytes(server, alice.token, item, bytes);
    return body;
  }

  it("finalizes each photo as on its own: stored ones go to processing, the others get their own refusal", async () => {
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const { body } = await createJob(alice.token, [
      jpeg("a.jpg", bytes.length),
      jpeg("b.jpg", bytes.length),
      jpeg("not-sent.jpg", bytes.length),
      jpeg("big.jpg", 12 * MiB),
    ]);
    const [a, b, notSent, big] = body.items;
    await sendBytes(server, alice.token, a, bytes);
    await sendBytes(server, alice.token, b, bytes);
    const [bobsJob] = [(await createJob(bob.token, [jpeg("bob.jpg", bytes.length)])).body];
    const bobs = bobsJob.items[0];
    await sendBytes(server, bob.token, bobs, bytes);

    const res = await finalizeMany(alice.token, [a.photoId, notSent.photoId, bobs.photoId, big.photoId, b.photoId]);
    expect(res.status).toBe(200);
    // In the request's order; each refusal is what finalizing that photo alone answers.
    expect(res.body.results).toEqual([
      { photoId: a.photoId, status: "PROCESSING" },
      {
        photoId: notSent.photoId,
        error: expect.objectContaining({ status: 409, code: "UPLOAD_INCOMPLETE" }),
      },
      { photoId: bobs.photoId, error: expect.objectContaining({ status: 404, code: "PHOTO_NOT_FOUND" }) },
      // A multipart photo carries its parts: it is finalized on its own.
      { photoId: big.photoId, error: expect.objectContaining({ status: 400, code: "VALIDATION_FAILED" }) },
      { photoId: b.photoId, status: "PROCESSING" },
    ]);
    const alone = await server.api("POST", `/commands/upload/${notSent.photoId}/finalize`, {
      token: alice.token,
      body: {},
    });
    expect(res.body.results[1].error).toEqual({ status: alone.status, ...alone.body });

    // Nothing moved for the refused ones: still waiting for bytes, Bob's photo untouched.
    const job = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token });
    const statusOf = (id: string) => job.body.photos.find((p: { photoId: string }) => p.photoId === id).status;
    expect(statusOf(notSent.photoId)).toBe("QUEUED");
    expect(statusOf(big.photoId)).toBe("QUEUED");
    const bobsView = await server.api("GET", `/queries/upload-jobs/${bobsJob.jobId}`, { token: bob.token });
    expect(bobsView.body.photos[0].status).toBe("QUEUED");

    // A client whose answer was lost sends the same request again: the same answers, nothing changed.
    const again = await finalizeMany(alice.token, [a.photoId, b.photoId]);
    expect(again.status).toBe(200);
    for (const r of again.body.results) expect(["PROCESSING", "COMPLETED"]).toContain(r.status);

    await sendBytes(server, alice.token, notSent, bytes);
    const late = await finalizeMany(alice.token, [notSent.photoId]);
    expect(late.body.results).toEqual([{ photoId: notSent.photoId, status: "PROCESSING" }]);
  });

  it("refuses a request without photos, with repeated or malformed ids, or over the limit, finalizing nothing", async () => {
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", bytes.length)]);
    const item = body.items[0];
    await sendBytes(server, alice.token, item, bytes);
    const tooMany = [
      item.photoId,
      ...Array.from({ length: MAX_FINALIZE_BATCH }, (_, i) => `ph_${String(i).padStart(12, "0")}`),
    ];
    for (const photoIds of [[], [item.photoId, item.photoId], [item.photoId, "nope"], tooMany, "ph_x"]) {
      const res = await finalizeMany(alice.token, photoIds);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
    }
    const unsigned = await finalizeMany(undefined, [item.photoId]);
    expect(unsigned.status).toBe(401);
    const job = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token });
    expect(job.body.photos[0].status).toBe("QUEUED");
  });

  it("answers storage being down as that photo's retryable 503, and finalizes the others", async () => {
    const { database, storage, publishEvent, log } = server.app;
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", bytes.length), jpeg("b.jpg", bytes.length)]);
    const [a, b] = body.items;
    await sendBytes(server, alice.token, a, bytes);
    await sendBytes(server, alice.token, b, bytes);
    // Storage fails moving a's upload only (as an outage caught between two photos would).
    const flaky = new Proxy(storage, {
      get(target, name) {
        if (name === "move")
          return async (from: string, to: string) => {
            if (from.includes(a.photoId)) throw new StorageError("UNAVAILABLE", "storage is down");
            return target.move(from, to);
          };
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const service = createUploadService({ db: database.db, storage: flaky, publish: publishEvent, logger: log });
    const { results } = await service.finalizeMany(alice.userId, [a.photoId, b.photoId]);
    expect(results).toEqual([
      { photoId: a.photoId, error: expect.objectContaining({ status: 503, code: "STORAGE_UNAVAILABLE" }) },
      { photoId: b.photoId, status: "PROCESSING" },
    ]);
    const retried = await finalizeMany(alice.token, [a.photoId]);
    expect(retried.body.results).toEqual([{ photoId: a.photoId, status: "PROCESSING" }]);
  });

  it("answers a photo changed between its checks and its transition as it is then: finalized elsewhere, or cancelled", async () => {
    const { database, storage, publishEvent, log } = server.app;
    const body = await sentJob("a.jpg", "elsewhere.jpg", "cancelled.jpg", "alone.jpg");
    const [a, elsewhere, cancelled, alone] = body.items;
    // Another instance (its own locks) finalizes `elsewhere` while this one is moving its bytes; the
    // user cancels `cancelled` and `alone` once this one has seen their bytes in place.
    const other = createUploadService({ db: database.db, storage, publish: publishEvent, logger: log });
    const racing = new Proxy(storage, {
      get(target, name) {
        if (name === "move")
          return async (from: string, to: string) => {
            if (!from.includes(elsewhere.photoId)) return target.move(from, to);
            await other.finalize(alice.userId, elsewhere.photoId, {});
            await target.move(from, to).catch(() => {}); // moved by the other instance: NO_SUCH_KEY
          };
        if (name === "head")
          return async (key: string) => {
            const info = await target.head(key);
            for (const item of [cancelled, alone])
              if (key === originalKey(alice.userId, item.photoId)) await other.cancelPhoto(alice.userId, item.photoId);
            return info;
          };
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const service = createUploadService({ db: database.db, storage: racing, publish: publishEvent, logger: log });
    const { results } = await service.finalizeMany(alice.userId, [a.photoId, elsewhere.photoId, cancelled.photoId]);
    expect(results).toEqual([
      { photoId: a.photoId, status: "PROCESSING" },
      { photoId: elsewhere.photoId, status: expect.stringMatching(/^(PROCESSING|COMPLETED)$/) },
      { photoId: cancelled.photoId, error: expect.objectContaining({ status: 409, code: "ILLEGAL_TRANSITION" }) },
    ]);
    // One photo's finalize answers the same race the same way.
    await expect(service.finalize(alice.userId, alone.photoId, {})).rejects.toMatchObject({
      code: "ILLEGAL_TRANSITION",
    });
    const job = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token });
    const statusOf = (id: string) => job.body.photos.find((p: { photoId: string }) => p.photoId === id).status;
    expect(statusOf(cancelled.photoId)).toBe("CANCELLED");
    expect(statusOf(alone.photoId)).toBe("CANCELLED");
  });

  it("finalizes requests that share photos, in opposite orders and beside one photo's finalize: every answer the photo's status", async () => {
    const body = await sentJob("a.jpg", "b.jpg", "c.jpg");
    const ids = body.items.map((item: { photoId: string }) => item.photoId) as string[];
    // Each request holds every photo's lock until its transition, taken in id order (finalize-many.test.ts
    // asserts the order and the locks themselves), so these end whichever way they interleave.
    const [forward, backward, single] = await Promise.all([
      finalizeMany(alice.token, ids),
      finalizeMany(alice.token, [...ids].reverse()),
      server.api("POST", `/commands/upload/${ids[1]}/finalize`, { token: alice.token, body: {} }),
    ]);
    expect([forward.status, backward.status, single.status]).toEqual([200, 200, 202]);
    for (const r of [...forward.body.results, ...backward.body.results, single.body])
      expect(["PROCESSING", "COMPLETED"]).toContain(r.status);
    const job = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token });
    expect(job.body.queuedCount + job.body.uploadingCount).toBe(0);
    expect(job.body.processingCount + job.body.completedCount).toBe(3);
  });
});

describe("progress", () => {
  it("marks photos UPLOADING, keeps bytes monotonic, ignores finished photos and refuses a batch of only those", async () => {
    const bytes = await makeTestJpeg({ width: 32, height: 32 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", 1000), jpeg("b.jpg", bytes.length)]);
    const [a, b] = body.items;
    const progress = (updates: unknown[]) =>
      server.api("POST", "/commands/upload/progress", { token: alice.token, body: { jobId: body.jobId, updates } });

    expect((await progress([{ photoId: a.photoId, bytesSent: 600, bytesTotal: 1000 }])).status).toBe(202);
    expect((await progress([{ photoId: a.photoId, bytesSent: 300, bytesTotal: 1000 }])).status).toBe(202);
    let job = (await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token })).body;
    expect(job.photos[0]).toMatchObject({ status: "UPLOADING", progressPercent: 60 });
    expect(job).toMatchObject({ status: "IN_PROGRESS", uploadingCount: 1, queuedCount: 1 });

    await uploadAndFinalize(server, alice.token, b, bytes);
    const mixed = await progress([
      { photoId: a.photoId, bytesSent: 900, bytesTotal: 1000 },
      { photoId: b.photoId, bytesSent: 10, bytesTotal: bytes.length },
    ]);
    expect(mixed.status).toBe(202);
    expect(mixed.body.accepted).toBe(1);
    expect(mixed.body.ignored).toEqual([{ photoId: b.photoId, status: expect.stringMatching(/PROCESSING|COMPLETED/) }]);

    const finished = await progress([{ photoId: b.photoId, bytesSent: 10, bytesTotal: bytes.length }]);
    expect(finished.status).toBe(409);

    const over = await progress([{ photoId: a.photoId, bytesSent: 2000, bytesTotal: 1000 }]);
    expect(over.status).toBe(400);
    const stranger = await progress([{ photoId: "ph_AAAAAAAAAAAAAAAAAAAA", bytesSent: 1, bytesTotal: 10 }]);
    expect(stranger.status).toBe(404);
    // One unknown photo in a report fails all of it, and nothing is recorded.
    const partly = await progress([
      { photoId: a.photoId, bytesSent: 950, bytesTotal: 1000 },
      { photoId: "ph_AAAAAAAAAAAAAAAAAAAA", bytesSent: 1, bytesTotal: 10 },
    ]);
    expect(partly.status).toBe(404);
    job = (await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token })).body;
    expect(job.photos[0].progressPercent).toBe(90);
  });
});

describe("cancel and retry", () => {
  it("cancelling a multipart photo aborts its upload in storage; retry starts a fresh one", async () => {
    const size = 9 * MiB;
    const { body } = await createJob(alice.token, [jpeg("big.jpg", size), jpeg("small.jpg", 10)]);
    const [big] = body.items;
    const storage = server.app.storage;
    const [row] = await server.app.database.db.select().from(photos).where(eq(photos.id, big.photoId));
    const cancel = await server.api("POST", `/commands/upload/${big.photoId}/cancel`, { token: alice.token });
    expect(cancel.body).toEqual({ photoId: big.photoId, status: "CANCELLED" });
    await expect(storage.listParts(uploadKey(row!), big.multipart.uploadId)).rejects.toBeInstanceOf(StorageError);
    const again = await server.api("POST", `/commands/upload/${big.photoId}/cancel`, { token: alice.token });
    expect(again.status).toBe(409);

    const retry = await server.api("POST", `/commands/upload/${big.photoId}/retry`, { token: alice.token });
    expect(retry.status).toBe(200);
    expect(retry.body.multipart.uploadId).not.toBe(big.multipart.uploadId);
    expect(retry.body.multipart.uploadedParts).toEqual([]);
    const job = (await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token })).body;
    expect(job.photos[0].status).toBe("QUEUED");

    const retryQueued = await server.api("POST", `/commands/upload/${big.photoId}/retry`, { token: alice.token });
    expect(retryQueued.status).toBe(409);
  });

  it("retrying a failed multipart photo returns the parts already stored", async () => {
    const size = 20 * MiB;
    const bytes = Buffer.alloc(size, 3);
    const { body } = await createJob(alice.token, [jpeg("big.jpg", size)]);
    const item = body.items[0];
    expect(item.multipart.partCount).toBe(3);
    const signed = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
      token: alice.token,
      body: { partNumbers: [1, 2] },
    });
    const etags: string[] = [];
    for (const u of signed.body.urls) {
      const start = (u.partNumber - 1) * item.multipart.partSize;
      const res = await fetch(u.url, { method: "PUT", body: bytes.subarray(start, start + item.multipart.partSize) });
      expect(res.status).toBe(200);
      etags.push(res.headers.get("etag") as string);
    }
    const db = server.app.database.db;
    await db.transaction((tx) =>
      applyTransitions(tx, body.jobId, [{ photoId: item.photoId, to: "FAILED", patch: { errorMessage: "gave up" } }], {
        onIllegal: "throw",
        publish: (event) => server.app.events.publish(event),
      }),
    );
    const retry = await server.api("POST", `/commands/upload/${item.photoId}/retry`, { token: alice.token });
    expect(retry.status).toBe(200);
    expect(retry.body.multipart.uploadId).toBe(item.multipart.uploadId);
    expect(retry.body.multipart.uploadedParts).toEqual([
      { partNumber: 1, etag: etags[0] },
      { partNumber: 2, etag: etags[1] },
    ]);
    // Only the part still to send comes signed.
    expect(retry.body.multipart.signedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([3]);
    const job = (await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token })).body;
    expect(job.photos[0]).toMatchObject({ status: "QUEUED", errorMessage: null, progressPercent: 80 });
  });

  it("cancels a whole job, leaving finished photos alone", async () => {
    const bytes = await makeTestJpeg({ width: 32, height: 32 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", bytes.length), jpeg("b.jpg", 10), jpeg("c.jpg", 10)]);
    await uploadAndFinalize(server, alice.token, body.items[0], bytes);
    await waitForJob(server, alice.token, body.jobId, 100).catch(() => {}); // let a finish if it is quick
    const res = await server.api("POST", `/commands/upload-jobs/${body.jobId}/cancel`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.cancelledCount).toBeGreaterThanOrEqual(2);
    const job = await waitForJob(server, alice.token, body.jobId);
    expect(job.cancelledCount + job.completedCount).toBe(3);
    expect(job.status).toBe(job.completedCount ? "COMPLETED_WITH_ERRORS" : "CANCELLED");
    const again = await server.api("POST", `/commands/upload-jobs/${body.jobId}/cancel`, { token: alice.token });
    expect(again.status).toBe(409);
  });
});

describe("processing outcome", () => {
  it("fails a file that is not an image, with a human message, and lets it be retried", async () => {
    const notImage = Buffer.from("this is a text file wearing a .jpg name\n".repeat(50));
    const { body } = await createJob(alice.token, [jpeg("fake.jpg", notImage.length)]);
    await uploadAndFinalize(server, alice.token, body.items[0], notImage);
    const job = await waitForJob(server, alice.token, body.jobId);
    expect(job.status).toBe("FAILED");
    expect(job.photos[0].status).toBe("FAILED");
    expect(job.photos[0].errorMessage).toMatch(/not .*image/i);
    const retry = await server.api("POST", `/commands/upload/${body.items[0].photoId}/retry`, { token: alice.token });
    expect(retry.status).toBe(200);
    expect(retry.body.method).toBe("PUT");
  });
});

describe("abandoned uploads", () => {
  it("are failed after the expiry, their multipart parts removed and their job finished", async () => {
    const { body } = await createJob(alice.token, [jpeg("big.jpg", 9 * MiB), jpeg("fresh.jpg", 10)]);
    const [stale, fresh] = body.items;
    const db = server.app.database.db;
    const [row] = await db.select().from(photos).where(eq(photos.id, stale.photoId));
    await db
      .update(photos)
      .set({ updatedAt: new Date(Date.now() - 25 * 60 * 60 * 1000) })
      .where(eq(photos.id, stale.photoId));

    const { database, storage, publishEvent, log } = server.app;
    const uploads = createUploadService({ db: database.db, storage, publish: publishEvent, logger: log });
    const expired = await uploads.expireStaleUploads(24 * 60 * 60 * 1000);
    expect(expired).toBe(1);
    const job = (await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token: alice.token })).body;
    expect(job.photos[0]).toMatchObject({ status: "FAILED", errorMessage: expect.stringMatching(/did not finish/) });
    expect(job.photos[1]).toMatchObject({ photoId: fresh.photoId, status: "QUEUED" });
    await expect(server.app.storage.listParts(uploadKey(row!), stale.multipart.uploadId)).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(await uploads.expireStaleUploads(24 * 60 * 60 * 1000)).toBe(0);
  });
});

describe("sign", () => {
  it("hands out a fresh PUT URL for a photo still waiting, and refuses once it is finished", async () => {
    const bytes = await makeTestJpeg({ width: 40, height: 30 });
    const { body } = await createJob(alice.token, [jpeg("a.jpg", bytes.length)]);
    const photoId = body.items[0].photoId;
    const fresh = await server.api("POST", `/commands/upload/${photoId}/sign`, { token: alice.token });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ photoId, method: "PUT" });
    await uploadAndFinalize(server, alice.token, fresh.body, bytes); // the fresh URL really works
    const late = await server.api("POST", `/commands/upload/${photoId}/sign`, { token: alice.token });
    expect(late.status).toBe(409);
  });

  it("lists stored parts of a live multipart upload, and starts a new one when storage lost it", async () => {
    const size = 20 * MiB;
    const { body } = await createJob(alice.token, [jpeg("big.jpg", size)]);
    const item = body.items[0];
    const signed = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
      token: alice.token,
      body: { partNumbers: [1] },
    });
    const put = await fetch(signed.body.urls[0].url, { method: "PUT", body: Buffer.alloc(item.multipart.partSize, 5) });
    const resumed = await server.api("POST", `/commands/upload/${item.photoId}/sign`, { token: alice.token });
    expect(resumed.body.multipart).toMatchObject({
      uploadId: item.multipart.uploadId,
      uploadedParts: [{ partNumber: 1, etag: put.headers.get("etag") }],
    });
    expect(resumed.body.multipart.signedParts.map((p: { partNumber: number }) => p.partNumber)).toEqual([2, 3]);

    const [row] = await server.app.database.db.select().from(photos).where(eq(photos.id, item.photoId));
    await server.app.storage.abortMultipart(uploadKey(row!), item.multipart.uploadId);
    const restarted = await server.api("POST", `/commands/upload/${item.photoId}/sign`, { token: alice.token });
    expect(restarted.status).toBe(200);
    expect(restarted.body.multipart.uploadId).not.toBe(item.multipart.uploadId);
    expect(restarted.body.multipart.uploadedParts).toEqual([]);
    // The new upload's parts come signed for it, not for the lost one.
    const first = restarted.body.multipart.signedParts[0];
    expect(first.partNumber).toBe(1);
    const putNew = await fetch(first.url, { method: "PUT", body: Buffer.alloc(item.multipart.partSize, 5) });
    expect(putNew.status).toBe(200);
    const stale = await fetch(item.multipart.signedParts[1].url, { method: "PUT", body: Buffer.alloc(10) });
    expect(stale.ok).toBe(false);
    const parts = await server.app.storage.listParts(uploadKey(row!), restarted.body.multipart.uploadId);
    expect(parts.map((p) => p.partNumber)).toEqual([1]); // the new upload exists in storage, and took the part
  });
});
