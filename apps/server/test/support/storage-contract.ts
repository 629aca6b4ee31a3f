import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ObjectStorage, StorageError } from "../../src/storage/storage.js";

/**
 * The one suite every ObjectStorage adapter passes (DESIGN §7, STYLE §12). It talks to the store the
 * way the browser does — plain `fetch` against presigned URLs — so it checks the signed-URL side as
 * well as the adapter's own calls.
 */
export type StorageUnderTest = {
  storage: ObjectStorage;
  /** When given, every signed URL must start with it. */
  baseUrl?: string;
  close(): Promise<void>;
};

const MiB = 1024 * 1024;
const PART_BYTES = 5 * MiB; // S3's minimum for every part but the last

export function describeStorageContract(name: string, makeStorage: () => Promise<StorageUnderTest>): void {
  describe(`${name}: ObjectStorage contract`, () => {
    let env: StorageUnderTest;
    let storage: ObjectStorage;

    beforeAll(async () => {
      env = await makeStorage();
      storage = env.storage;
    });
    afterAll(async () => {
      await env?.close();
    });

    const newKey = (label = "original") => `contract/${randomUUID()}/${label}`;
    const signed = (url: string) => {
      if (env.baseUrl) expect(url.startsWith(env.baseUrl)).toBe(true);
      return url;
    };

    async function putBytes(url: string, body: Buffer, headers: Record<string, string> = {}) {
      return fetch(signed(url), { method: "PUT", body, headers });
    }

    async function uploadParts(key: string, uploadId: string, bodies: Buffer[]) {
      return Promise.all(
        bodies.map(async (body, i) => {
          const part = await storage.presignPart(key, uploadId, i + 1, { expiresInSec: 120, maxBytes: PART_BYTES * 2 });
          const res = await putBytes(part.url, body, part.headers);
          expect(res.status).toBe(200);
          const etag = res.headers.get("etag");
          expect(etag).toBe(quotedMd5(body));
          return { partNumber: i + 1, etag: etag! };
        }),
      );
    }

    it("stores a presigned PUT and returns its bytes, size, type and quoted-MD5 ETag", async () => {
      const key = newKey();
      const bytes = randomBytes(200_000);
      const url = await storage.presignPut(key, {
        contentType: "image/jpeg",
        contentLength: bytes.length,
        expiresInSec: 120,
      });
      expect(url.expiresAt.getTime()).toBeGreaterThan(Date.now());
      const res = await putBytes(url.url, bytes, url.headers);
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).toBe(quotedMd5(bytes));

      expect(await storage.head(key)).toEqual({
        size: bytes.length,
        etag: quotedMd5(bytes),
        contentType: "image/jpeg",
      });
      expect((await readAll(await storage.read(key))).equals(bytes)).toBe(true);
    });

    it("stores an empty object through a presigned PUT", async () => {
      const key = newKey();
      const empty = Buffer.alloc(0);
      const url = await storage.presignPut(key, { contentType: "image/gif", contentLength: 0, expiresInSec: 120 });
      const res = await putBytes(url.url, empty, url.headers);
      expect(res.status).toBe(200);
      expect(await storage.head(key)).toEqual({ size: 0, etag: quotedMd5(empty), contentType: "image/gif" });
      expect((await readAll(await storage.read(key))).length).toBe(0);
    });

    it("assembles a multipart upload from parts sent in parallel", async () => {
      const key = newKey();
      const bodies = [randomBytes(PART_BYTES), randomBytes(PART_BYTES + 12_345), randomBytes(777_777)];
      const { uploadId } = await storage.createMultipart(key, { contentType: "image/png" });
      const parts = await uploadParts(key, uploadId, bodies);

      const listed = await storage.listParts(key, uploadId);
      expect(listed).toEqual(
        bodies.map((body, i) => ({ partNumber: i + 1, etag: quotedMd5(body), size: body.length })),
      );

      const { etag } = await storage.completeMultipart(key, uploadId, parts);
      expect(etag).toBe(multipartEtagOf(bodies));
      const whole = Buffer.concat(bodies);
      expect(await storage.head(key)).toEqual({ size: whole.length, etag, contentType: "image/png" });
      expect(sha256(await readAll(await storage.read(key)))).toBe(sha256(whole));
    });

    it("rejects a tampered presigned URL with 403 and stores nothing", async () => {
      const key = newKey();
      const bytes = randomBytes(1000);
      const { url, headers } = await storage.presignPut(key, {
        contentType: "image/jpeg",
        contentLength: bytes.length,
        expiresInSec: 120,
      });
      const otherKey = url.replace(key, newKey());
      const badSignature = tamperSignature(url);
      for (const tampered of [otherKey, badSignature]) {
        expect((await putBytes(tampered, bytes, headers)).status).toBe(403);
      }
      expect(await storage.head(key)).toBeNull();
    });

    it("rejects an expired presigned URL with 403", async () => {
      const key = newKey();
      const bytes = randomBytes(1000);
      const { url, headers } = await storage.presignPut(key, {
        contentType: "image/jpeg",
        contentLength: bytes.length,
        expiresInSec: 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect((await putBytes(url, bytes, headers)).status).toBe(403);
      expect(await storage.head(key)).toBeNull();
    });

    it("refuses to complete when a part other than the last is under 5 MiB (ENTITY_TOO_SMALL)", async () => {
      const key = newKey();
      const { uploadId } = await storage.createMultipart(key, { contentType: "image/jpeg" });
      const parts = await uploadParts(key, uploadId, [randomBytes(MiB), randomBytes(1000)]);
      await expectStorageError(storage.completeMultipart(key, uploadId, parts), "ENTITY_TOO_SMALL");
      expect(await storage.head(key)).toBeNull();
      await storage.abortMultipart(key, uploadId);
    });

    it("refuses to complete with a wrong ETag or a part never sent (INVALID_PART)", async () => {
      const key = newKey();
      const { uploadId } = await storage.createMultipart(key, { contentType: "image/jpeg" });
      const [part] = await uploadParts(key, uploadId, [randomBytes(2000)]);
      const wrong = `"${"0".repeat(32)}"`;
      await expectStorageError(
        storage.completeMultipart(key, uploadId, [{ partNumber: 1, etag: wrong }]),
        "INVALID_PART",
      );
      await expectStorageError(
        storage.completeMultipart(key, uploadId, [part!, { partNumber: 2, etag: part!.etag }]),
        "INVALID_PART",
      );
      expect(await storage.head(key)).toBeNull();
      await storage.abortMultipart(key, uploadId);
    });

    it("refuses parts listed out of order (INVALID_PART_ORDER)", async () => {
      const key = newKey();
      const { uploadId } = await storage.createMultipart(key, { contentType: "image/jpeg" });
      const parts = await uploadParts(key, uploadId, [randomBytes(PART_BYTES), randomBytes(1000)]);
      await expectStorageError(storage.completeMultipart(key, uploadId, [...parts].reverse()), "INVALID_PART_ORDER");
      await storage.abortMultipart(key, uploadId);
    });

    it("aborts an upload: its parts are gone, nothing is stored, aborting again is fine", async () => {
      const key = newKey();
      const { uploadId } = await storage.createMultipart(key, { contentType: "image/jpeg" });
      const parts = await uploadParts(key, uploadId, [randomBytes(3000)]);
      await storage.abortMultipart(key, uploadId);

      await expectStorageError(storage.listParts(key, uploadId), "NO_SUCH_UPLOAD");
      await expectStorageError(storage.completeMultipart(key, uploadId, parts), "NO_SUCH_UPLOAD");
      expect(await storage.head(key)).toBeNull();
      await storage.abortMultipart(key, uploadId);
    });

    it("serves an object through presignGet, as a named download when asked", async () => {
      const key = newKey();
      const bytes = randomBytes(50_000);
      await storage.write(key, bytes, { contentType: "image/webp" });

      const plain = await fetch(signed(await storage.presignGet(key, { expiresInSec: 120 })));
      expect(plain.status).toBe(200);
      expect(Buffer.from(await plain.arrayBuffer()).equals(bytes)).toBe(true);

      const url = await storage.presignGet(key, { expiresInSec: 120, downloadFilename: "été 1.jpg" });
      const download = await fetch(signed(url));
      expect(download.status).toBe(200);
      expect(download.headers.get("content-disposition")).toContain("filename*=UTF-8''%C3%A9t%C3%A9%201.jpg");
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    });

    it("writes a stream and a buffer, and read() returns the same bytes", async () => {
      const key = newKey("thumb-256.webp");
      const chunks = [randomBytes(300_000), randomBytes(5), randomBytes(70_000)];
      await storage.write(key, Readable.from(chunks), { contentType: "image/webp" });
      const whole = Buffer.concat(chunks);
      expect(await storage.head(key)).toEqual({
        size: whole.length,
        etag: quotedMd5(whole),
        contentType: "image/webp",
      });
      expect((await readAll(await storage.read(key))).equals(whole)).toBe(true);

      const replacement = randomBytes(10);
      await storage.write(key, replacement, { contentType: "image/webp" });
      expect((await readAll(await storage.read(key))).equals(replacement)).toBe(true);
    });

    it("deletes an object; deleting again is fine; a missing key heads as null and reads as NO_SUCH_KEY", async () => {
      const key = newKey();
      await storage.write(key, randomBytes(100), { contentType: "image/jpeg" });
      await storage.delete(key);
      expect(await storage.head(key)).toBeNull();
      await storage.delete(key);
      await expectStorageError(storage.read(key), "NO_SUCH_KEY");
      expect(await storage.head(newKey())).toBeNull();
    });

    it("lets a browser on another origin PUT and read the ETag (CORS)", async () => {
      const key = newKey();
      const bytes = randomBytes(100);
      const { url, headers } = await storage.presignPut(key, {
        contentType: "image/jpeg",
        contentLength: bytes.length,
        expiresInSec: 120,
      });
      const origin = "http://web.example.test";
      const preflight = await fetch(signed(url), {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "PUT",
          "access-control-request-headers": "content-type",
        },
      });
      expect(preflight.status).toBeLessThan(300);
      expect([origin, "*"]).toContain(preflight.headers.get("access-control-allow-origin"));
      expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");

      const res = await putBytes(url, bytes, { ...headers, origin });
      expect(res.status).toBe(200);
      expect([origin, "*"]).toContain(res.headers.get("access-control-allow-origin"));
      expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
    });

    it("moves an object to another key: same bytes and type there, nothing left at the source", async () => {
      const [from, to] = [newKey("staging"), newKey()];
      const bytes = randomBytes(70_000);
      await storage.write(to, randomBytes(10), { contentType: "image/png" }); // replaced by the move
      await storage.write(from, bytes, { contentType: "image/jpeg" });
      await storage.move(from, to);
      expect(await storage.head(from)).toBeNull();
      expect(await storage.head(to)).toMatchObject({ size: bytes.length, contentType: "image/jpeg" });
      expect((await readAll(await storage.read(to))).equals(bytes)).toBe(true);
      await expectStorageError(storage.move(from, newKey()), "NO_SUCH_KEY");
    });

    it("a presigned PUT to the source after a move cannot change the moved object", async () => {
      const [from, to] = [newKey("staging"), newKey()];
      const bytes = randomBytes(4096);
      const url = await storage.presignPut(from, { contentType: "image/jpeg", contentLength: 4096, expiresInSec: 120 });
      expect((await putBytes(url.url, bytes, url.headers)).status).toBe(200);
      await storage.move(from, to);
      // The URL is still valid: it may write its own key again, never the moved object.
      await putBytes(url.url, randomBytes(4096), url.headers);
      expect((await readAll(await storage.read(to))).equals(bytes)).toBe(true);
      await storage.delete(from);
    });

    it("a part sent again after its upload completed and moved cannot change the moved object", async () => {
      const [from, to] = [newKey("staging"), newKey()];
      const bodies = [randomBytes(PART_BYTES), randomBytes(1000)];
      const { uploadId } = await storage.createMultipart(from, { contentType: "image/jpeg" });
      const parts = await uploadParts(from, uploadId, bodies);
      const part1 = await storage.presignPart(from, uploadId, 1, { expiresInSec: 120, maxBytes: PART_BYTES * 2 });
      await storage.completeMultipart(from, uploadId, parts);
      await storage.move(from, to);

      const again = await putBytes(part1.url, randomBytes(PART_BYTES), part1.headers);
      expect(again.status).toBe(404); // NoSuchUpload: the upload is gone once its object moved
      expect(sha256(await readAll(await storage.read(to)))).toBe(sha256(Buffer.concat(bodies)));
      expect(await storage.head(from)).toBeNull();
    });

    it("answers check() while the store is reachable", async () => {
      await expect(storage.check()).resolves.toBeUndefined();
    });
  });
}

async function expectStorageError(promise: Promise<unknown>, code: StorageError["code"]): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect(err).toMatchObject({ code });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat(await stream.toArray());
}

export function quotedMd5(bytes: Buffer): string {
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}

export function multipartEtagOf(parts: Buffer[]): string {
  const md5s = parts.map((p) => createHash("md5").update(p).digest());
  return `"${createHash("md5").update(Buffer.concat(md5s)).digest("hex")}-${parts.length}"`;
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Changes the first character of whichever query parameter carries the signature (`signature`,
 * `X-Amz-Signature`). The first, not the last: a base64 string's last character may hold only
 * padding bits, so changing it can decode to the very same signature.
 */
export function tamperSignature(url: string): string {
  const parsed = new URL(url);
  const name = [...parsed.searchParams.keys()].find((k) => /signature/i.test(k));
  if (!name) throw new Error(`No signature parameter in ${url}`);
  const value = parsed.searchParams.get(name)!;
  parsed.searchParams.set(name, `${value.startsWith("a") ? "b" : "a"}${value.slice(1)}`);
  return parsed.toString();
}
