import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeStorageContract, quotedMd5, readAll, tamperSignature } from "../../test/support/storage-contract.js";
import { freePorts } from "../../testing/free-ports.js";
import { diskStorageRoutes } from "../http/disk-storage-routes.js";
import { installErrorHandling } from "../http/error-handler.js";
import { createDiskStorage, DISK_STORAGE_PREFIX, type DiskStorage } from "./disk-storage.js";
import { STAGING_PREFIX, StorageError } from "./storage.js";

type DiskServer = {
  storage: DiskStorage;
  app: FastifyInstance;
  rootDir: string;
  publicUrl: string;
  /** Moves the storage's clock, to expire URLs without waiting. */
  skewClock(ms: number): void;
  close(): Promise<void>;
};

/** A minimal app: just the storage routes, on a real socket. */
async function startDiskServer(): Promise<DiskServer> {
  const rootDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-disk-"));
  const [port] = await freePorts(1);
  const publicUrl = `http://127.0.0.1:${port}`;
  let skewMs = 0;
  const storage = createDiskStorage({
    rootDir,
    publicUrl,
    secret: randomBytes(32),
    now: () => Date.now() + skewMs,
  });
  const app = Fastify();
  installErrorHandling(app); // the routes hand their errors to the app's handler, as in app.ts
  await app.register(diskStorageRoutes, { prefix: DISK_STORAGE_PREFIX, storage });
  await app.listen({ host: "127.0.0.1", port });
  return {
    storage,
    app,
    rootDir,
    publicUrl,
    skewClock: (ms) => {
      skewMs = ms;
    },
    close: async () => {
      await app.close();
      await storage.close();
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}

describeStorageContract("disk", async () => {
  const server = await startDiskServer();
  return { storage: server.storage, baseUrl: `${server.publicUrl}/storage/`, close: server.close };
});

type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/**
 * A request with full control of the body: chunked (no Content-Length) unless one is given, and
 * optionally abandoned once `hangUpWhen` resolves. fetch cannot lie about lengths or hang up halfway.
 */
function rawRequest(
  url: string,
  opts: { method: string; headers?: Record<string, string>; chunks?: Buffer[]; hangUpWhen?: Promise<unknown> },
): Promise<RawResponse | "hung-up"> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    // Errors after we hung up ourselves are expected; the server may also answer and close before
    // the whole body is written, in which case the answer is what counts.
    req.on("error", (err) => (req.destroyed && opts.hangUpWhen ? undefined : reject(err)));
    for (const chunk of opts.chunks ?? []) req.write(chunk);
    if (!opts.hangUpWhen) {
      req.end();
      return;
    }
    opts.hangUpWhen.then(() => {
      req.destroy();
      resolve("hung-up");
    }, reject);
  });
}

async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}

const json = (res: RawResponse | "hung-up") => {
  if (res === "hung-up") throw new Error("expected a response");
  return JSON.parse(res.body.toString("utf8")) as { code: string; message: string };
};

describe("disk storage over HTTP", () => {
  let server: DiskServer;
  let storage: DiskStorage;
  beforeAll(async () => {
    server = await startDiskServer();
    storage = server.storage;
  });
  afterAll(async () => {
    await server?.close();
  });

  const tmpFiles = () => readdir(path.join(server.rootDir, "tmp"));
  const key = (label: string) => `u/user_1/${label}-${randomBytes(4).toString("hex")}/original`;

  it("binds a URL to its key, part and method", async () => {
    const a = key("a");
    const put = await storage.presignPut(a, { contentType: "image/jpeg", contentLength: 10, expiresInSec: 60 });
    const body = randomBytes(10);

    const otherKey = await fetch(put.url.replace(a, key("b")), { method: "PUT", body });
    expect(otherKey.status).toBe(403);
    expect(await otherKey.json()).toEqual({ code: "SIGNATURE_INVALID", message: expect.any(String) });
    expect(otherKey.headers.get("access-control-allow-origin")).toBe("*"); // errors are readable cross-origin too

    const { uploadId } = await storage.createMultipart(a, { contentType: "image/jpeg" });
    const part1 = await storage.presignPart(a, uploadId, 1, { expiresInSec: 60, maxBytes: 100 });
    const asPart2 = part1.url.replace("partNumber=1", "partNumber=2");
    expect((await fetch(asPart2, { method: "PUT", body })).status).toBe(403);
    const other = await storage.createMultipart(a, { contentType: "image/jpeg" });
    expect((await fetch(part1.url.replace(uploadId, other.uploadId), { method: "PUT", body })).status).toBe(403);
    const biggerLimit = part1.url.replace("max=100", "max=1000");
    expect((await fetch(biggerLimit, { method: "PUT", body })).status).toBe(403);

    const get = await storage.presignGet(a, { expiresInSec: 60 });
    expect((await fetch(get, { method: "PUT", body })).status).toBe(403);
    expect((await fetch(put.url)).status).toBe(403);

    expect(await storage.head(a)).toBeNull();
    expect(await storage.listParts(a, uploadId)).toEqual([]);
    expect(await storage.listParts(a, other.uploadId)).toEqual([]);
  });

  it("tells an expired URL (SIGNATURE_EXPIRED) from a tampered one (SIGNATURE_INVALID)", async () => {
    const k = key("expiry");
    const put = await storage.presignPut(k, { contentType: "image/jpeg", contentLength: 3, expiresInSec: 60 });
    server.skewClock(61_000);
    try {
      const expired = await fetch(put.url, { method: "PUT", body: "abc" });
      expect(expired.status).toBe(403);
      expect(await codeOf(expired)).toBe("SIGNATURE_EXPIRED");
      // The signature is checked first: a tampered URL says so even when it has also expired.
      const tampered = await fetch(tamperSignature(put.url), { method: "PUT", body: "abc" });
      expect(tampered.status).toBe(403);
      expect(await codeOf(tampered)).toBe("SIGNATURE_INVALID");
    } finally {
      server.skewClock(0);
    }
    expect((await fetch(put.url, { method: "PUT", body: "abc" })).status).toBe(200);
  });

  it("accepts a part of exactly maxBytes and answers 413 past it, keeping nothing", async () => {
    const k = key("max");
    const { uploadId } = await storage.createMultipart(k, { contentType: "image/jpeg" });
    const limit = 256 * 1024;
    const part = await storage.presignPart(k, uploadId, 1, { expiresInSec: 60, maxBytes: limit });

    const declared = await fetch(part.url, { method: "PUT", body: randomBytes(limit + 1) });
    expect(declared.status).toBe(413);
    expect(await codeOf(declared)).toBe("PAYLOAD_TOO_LARGE");

    // Chunked, so the size is only known while reading: stopped once the limit is passed.
    const chunks = Array.from({ length: 8 }, () => randomBytes(64 * 1024));
    const streamed = await rawRequest(part.url, { method: "PUT", chunks });
    expect(streamed !== "hung-up" && streamed.status).toBe(413);
    expect(json(streamed).code).toBe("PAYLOAD_TOO_LARGE");

    expect(await storage.listParts(k, uploadId)).toEqual([]);
    expect(await tmpFiles()).toEqual([]);

    const exact = randomBytes(limit);
    const ok = await fetch(part.url, { method: "PUT", body: exact });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe(quotedMd5(exact));
  });

  it("rejects a PUT whose size is not the signed size, keeping nothing", async () => {
    const k = key("size");
    const put = await storage.presignPut(k, { contentType: "image/png", contentLength: 1000, expiresInSec: 60 });

    const shorter = await fetch(put.url, { method: "PUT", body: randomBytes(999) });
    expect(shorter.status).toBe(400);
    expect(await codeOf(shorter)).toBe("VALIDATION_FAILED");
    expect((await fetch(put.url, { method: "PUT", body: randomBytes(1001) })).status).toBe(413);

    const chunkedShort = await rawRequest(put.url, { method: "PUT", chunks: [randomBytes(500), randomBytes(499)] });
    expect(chunkedShort !== "hung-up" && chunkedShort.status).toBe(400);
    const chunkedLong = await rawRequest(put.url, { method: "PUT", chunks: [randomBytes(600), randomBytes(600)] });
    expect(chunkedLong !== "hung-up" && chunkedLong.status).toBe(413);

    expect(await storage.head(k)).toBeNull();
    expect(await tmpFiles()).toEqual([]);
  });

  it("leaves nothing behind when the uploader hangs up mid-body", async () => {
    const k = key("hangup");
    const put = await storage.presignPut(k, { contentType: "image/png", contentLength: 1024 * 1024, expiresInSec: 60 });
    // Hang up only once the server has started writing the body to a temp file.
    const receiving = vi.waitFor(async () => expect(await tmpFiles()).toHaveLength(1), {
      timeout: 10_000,
      interval: 10,
    });
    const result = await rawRequest(put.url, {
      method: "PUT",
      headers: { "content-length": String(1024 * 1024) },
      chunks: [randomBytes(256 * 1024)],
      hangUpWhen: receiving,
    });
    expect(result).toBe("hung-up");
    await vi.waitFor(async () => expect(await tmpFiles()).toEqual([]), { timeout: 10_000, interval: 20 });
    expect(await storage.head(k)).toBeNull();
  });

  it("refuses parts of an aborted upload with 404 NO_SUCH_UPLOAD", async () => {
    const k = key("aborted");
    const { uploadId } = await storage.createMultipart(k, { contentType: "image/jpeg" });
    const part = await storage.presignPart(k, uploadId, 1, { expiresInSec: 60, maxBytes: 1000 });
    await storage.abortMultipart(k, uploadId);
    const res = await fetch(part.url, { method: "PUT", body: randomBytes(100) });
    expect(res.status).toBe(404);
    expect(await codeOf(res)).toBe("NO_SUCH_UPLOAD");
    expect(await tmpFiles()).toEqual([]);
  });

  it("keeps the latest copy of a part sent twice", async () => {
    const k = key("twice");
    const { uploadId } = await storage.createMultipart(k, { contentType: "image/jpeg" });
    const part = await storage.presignPart(k, uploadId, 1, { expiresInSec: 60, maxBytes: 1000 });
    const first = randomBytes(100);
    const second = randomBytes(200);
    expect((await fetch(part.url, { method: "PUT", body: first })).status).toBe(200);
    expect((await fetch(part.url, { method: "PUT", body: second })).status).toBe(200);
    expect(await storage.listParts(k, uploadId)).toEqual([{ partNumber: 1, etag: quotedMd5(second), size: 200 }]);
    await expect(
      storage.completeMultipart(k, uploadId, [{ partNumber: 1, etag: quotedMd5(first) }]),
    ).rejects.toMatchObject({ code: "INVALID_PART" });
    await storage.completeMultipart(k, uploadId, [{ partNumber: 1, etag: quotedMd5(second) }]);
    expect((await readAll(await storage.read(k))).equals(second)).toBe(true);
  });

  it("stores any request content type as raw bytes, JSON included", async () => {
    const k = key("raw");
    const body = Buffer.from('{"not": "parsed", "broken":');
    const put = await storage.presignPut(k, { contentType: "image/png", contentLength: body.length, expiresInSec: 60 });
    for (const headers of [{ "content-type": "application/json" }, {} as Record<string, string>]) {
      const res = await rawRequest(put.url, {
        method: "PUT",
        headers: { ...headers, "content-length": String(body.length) },
        chunks: [body],
      });
      expect(res !== "hung-up" && res.status).toBe(200);
    }
    expect(await storage.head(k)).toEqual({ size: body.length, etag: quotedMd5(body), contentType: "image/png" });
    expect((await readAll(await storage.read(k))).equals(body)).toBe(true);
  });

  it("serves GET and HEAD with type, length, ETag, caching and download name", async () => {
    const k = `${"deep/".repeat(40)}photo.jpg`; // long keys route too (well past Fastify's 100-char param limit)
    const bytes = randomBytes(4321);
    await storage.write(k, bytes, { contentType: "image/jpeg" });
    const url = await storage.presignGet(k, { expiresInSec: 300, downloadFilename: 'Ünïcode "quoted" (1).jpg' });

    for (const method of ["GET", "HEAD"]) {
      const res = await fetch(url, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/jpeg");
      expect(res.headers.get("content-length")).toBe("4321");
      expect(res.headers.get("etag")).toBe(quotedMd5(bytes));
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers.get("cache-control") ?? "")?.[1]);
      expect(maxAge).toBeGreaterThan(250);
      expect(maxAge).toBeLessThanOrEqual(300);
      expect(res.headers.get("content-disposition")).toBe(
        "attachment; filename=\"_n_code _quoted_ (1).jpg\"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22quoted%22%20%281%29.jpg",
      );
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(method === "GET" ? bytes : Buffer.alloc(0))).toBe(true);
    }

    const plain = await fetch(await storage.presignGet(k, { expiresInSec: 60 }));
    expect(plain.headers.get("content-disposition")).toBeNull();
    await plain.arrayBuffer();

    const missing = await fetch(await storage.presignGet(key("missing"), { expiresInSec: 60 }));
    expect(missing.status).toBe(404);
    expect(await codeOf(missing)).toBe("NO_SUCH_KEY");
  });

  it("refuses keys that could leave the storage root", async () => {
    const bad = [
      "../escape",
      "a/../../escape",
      "/abs",
      "a//b",
      "a/./b",
      "a\\b",
      "..",
      "",
      "a/b/",
      "spa ce",
      "é",
      "x".repeat(1025),
    ];
    for (const k of bad) {
      const attempts: (() => Promise<unknown>)[] = [
        () => storage.presignPut(k, { contentType: "image/png", contentLength: 1, expiresInSec: 60 }),
        () => storage.presignGet(k, { expiresInSec: 60 }),
        () => storage.write(k, Buffer.from("x"), { contentType: "image/png" }),
        () => storage.createMultipart(k, { contentType: "image/png" }),
        () => storage.head(k),
        () => storage.read(k),
        () => storage.delete(k),
      ];
      for (const attempt of attempts) {
        const err = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `key ${JSON.stringify(k)}`).toBeInstanceOf(StorageError);
        expect(err).toMatchObject({ code: "INVALID_KEY" });
      }
    }

    // Over HTTP, a path that climbs out never reaches the disk (fetch would normalise it away).
    await writeFile(path.join(server.rootDir, "secret.txt"), "top secret");
    for (const p of ["/storage/../secret.txt", "/storage/..%2Fsecret.txt", "/storage/objects/..%2F..%2Fsecret.txt"]) {
      const res = await rawRequest(`${server.publicUrl}${p}?expires=9999999999&signature=${"A".repeat(43)}`, {
        method: "GET",
      });
      expect(res !== "hung-up" && res.status).toBeGreaterThanOrEqual(400);
      expect(res !== "hung-up" && res.body.toString()).not.toContain("top secret");
    }
  });

  it("sweeps uploads idle past the TTL, staged objects as old and temp files left by crashes", async () => {
    const idle = key("idle");
    const fresh = key("fresh");
    const old = new Date(Date.now() - 3_600_000);
    const idleUpload = await storage.createMultipart(idle, { contentType: "image/jpeg" });
    const freshUpload = await storage.createMultipart(fresh, { contentType: "image/jpeg" });
    await utimes(path.join(server.rootDir, "multipart", idleUpload.uploadId), old, old);
    const leftover = path.join(server.rootDir, "tmp", "object.crashed.tmp");
    await writeFile(leftover, "partial");
    await utimes(leftover, old, old);
    // A stale URL used after finalize leaves an object under staging/ that nobody will read.
    const [stray, inFlight] = [`${STAGING_PREFIX}user_1/ph_stray`, `${STAGING_PREFIX}user_1/ph_in_flight`];
    await storage.write(stray, randomBytes(10), { contentType: "image/jpeg" });
    await storage.write(inFlight, randomBytes(10), { contentType: "image/jpeg" });
    await utimes(path.join(server.rootDir, "objects", stray), old, old);

    expect(await storage.sweepAbandoned(600_000)).toEqual({ uploads: 1, staged: 1, tempFiles: 1 });
    expect(await storage.head(stray)).toBeNull();
    expect(await storage.head(inFlight)).not.toBeNull();
    await expect(storage.listParts(idle, idleUpload.uploadId)).rejects.toMatchObject({ code: "NO_SUCH_UPLOAD" });
    expect(await storage.listParts(fresh, freshUpload.uploadId)).toEqual([]);
    expect(await tmpFiles()).toEqual([]);

    // The background sweeper does the same on its own.
    const later = await storage.createMultipart(key("later"), { contentType: "image/jpeg" });
    await utimes(path.join(server.rootDir, "multipart", later.uploadId), old, old);
    const stop = storage.startSweeper(20, 600_000);
    try {
      await vi.waitFor(
        async () => expect(await readdir(path.join(server.rootDir, "multipart"))).not.toContain(later.uploadId),
        { timeout: 10_000, interval: 20 },
      );
    } finally {
      stop();
    }
    expect(await readdir(path.join(server.rootDir, "multipart"))).toContain(freshUpload.uploadId);
  });

  it("reports a sweep that fails to the logger instead of throwing", async () => {
    const rootDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-disk-"));
    const errors: unknown[] = [];
    const local = createDiskStorage({
      rootDir,
      publicUrl: "http://127.0.0.1:1",
      secret: randomBytes(32),
      logger: { info: () => undefined, error: (obj) => errors.push(obj) },
    });
    // The multipart directory replaced by a file: readdir fails with ENOTDIR on every sweep.
    await rm(path.join(rootDir, "multipart"), { recursive: true });
    await writeFile(path.join(rootDir, "multipart"), "not a directory");
    const stop = local.startSweeper(20, 1000);
    try {
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    } finally {
      await local.close(); // stops the sweeper too
      stop();
      await rm(rootDir, { recursive: true, force: true });
    }
  });

  it("moves many objects out of one shared directory while others arrive in it", async () => {
    // Each move prunes the staging directory it empties, while other uploads are creating it again
    // (a recursive mkdir then meets a parent removed under it); none of them may fail for that.
    const user = `${STAGING_PREFIX}user_race_${randomBytes(4).toString("hex")}`;
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; i < 60; i++) {
          const [from, to] = [`${user}/ph_${worker}_${i}`, `u/user_race/ph_${worker}_${i}/original`];
          try {
            await storage.write(from, randomBytes(100), { contentType: "image/jpeg" });
            await storage.move(from, to);
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
  });

  it("reports an unwritable store as StorageError UNAVAILABLE, and works again once it is back", async () => {
    const rootDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-disk-"));
    const local = createDiskStorage({ rootDir, publicUrl: "http://127.0.0.1:1", secret: randomBytes(32) });
    await local.write("a/kept", randomBytes(10), { contentType: "image/jpeg" });
    // tmp/ replaced by a file: every write starts there, and unlike chmod this also stops root.
    const tmp = path.join(rootDir, "tmp");
    await rename(tmp, `${tmp}.away`);
    await writeFile(tmp, "not a directory");
    try {
      for (const attempt of [
        () => local.write("a/new", randomBytes(10), { contentType: "image/jpeg" }),
        () => local.createMultipart("a/big", { contentType: "image/jpeg" }),
        () => local.move("a/kept", "a/moved"),
        () => local.check(),
      ]) {
        const err = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StorageError);
        expect(err).toMatchObject({ code: "UNAVAILABLE" });
      }
      expect(await local.head("a/kept")).toMatchObject({ size: 10 }); // a failed move keeps its source
    } finally {
      await rm(tmp);
      await rename(`${tmp}.away`, tmp);
    }
    await local.write("a/new", randomBytes(10), { contentType: "image/jpeg" });
    await expect(local.check()).resolves.toBeUndefined();
    await local.close();
    await rm(rootDir, { recursive: true });
  });

  it("fails check() when the root is gone", async () => {
    const rootDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-disk-"));
    const local = createDiskStorage({ rootDir, publicUrl: "http://127.0.0.1:1", secret: randomBytes(32) });
    await expect(local.check()).resolves.toBeUndefined();
    await rm(rootDir, { recursive: true });
    await expect(local.check()).rejects.toThrow();
    await mkdir(rootDir); // nothing else to clean up
    await rm(rootDir, { recursive: true });
  });
});
