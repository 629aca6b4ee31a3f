import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroyBucket, uniqueBucketName } from "../../test/s3/s3-bucket.js";
import { type SwiftTestServer, startSwiftTestServer } from "../../test/s3/swift-test-server.js";
import { describeStorageContract, multipartEtagOf, quotedMd5, readAll } from "../../test/support/storage-contract.js";
import { freePorts } from "../../testing/free-ports.js";
import { createS3Storage, type S3Storage } from "./s3-storage.js";
import { StorageError } from "./storage.js";

// Swift (scripts/s3-test-server.sh) is started while the file is collected, so the suite can be
// skipped with its reason when it cannot run. Under CI a missing server fails the run instead.
let swift: SwiftTestServer | null = null;
let unavailable = "";
try {
  swift = await startSwiftTestServer();
} catch (err) {
  if (process.env.CI === "true") throw err;
  unavailable = (err as Error).message;
  console.warn(`Skipping the S3 adapter tests: ${unavailable}`);
}

function storageFor(server: SwiftTestServer, bucket: string): S3Storage {
  return createS3Storage({
    bucket,
    region: server.region,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
  });
}

describe.skipIf(!swift)(swift ? "S3 adapter against Swift s3api" : `S3 adapter (skipped: ${unavailable})`, () => {
  const server = swift!;
  afterAll(async () => {
    await server.stop();
  });

  describeStorageContract("s3", async () => {
    const bucket = uniqueBucketName();
    const storage = storageFor(server, bucket);
    await storage.ensureBucket();
    return {
      storage,
      baseUrl: `${server.endpoint}/${bucket}/`,
      close: async () => {
        await destroyBucket(storage.client, bucket);
        await storage.close();
      },
    };
  });

  describe("s3 only", () => {
    const bucket = uniqueBucketName();
    let storage: S3Storage;

    beforeAll(async () => {
      storage = storageFor(server, bucket);
      await storage.ensureBucket();
      await storage.ensureBucket(); // a second call finds the bucket and does nothing
    });
    afterAll(async () => {
      await destroyBucket(storage.client, bucket);
      await storage.close();
    });

    const openUploads = async () =>
      (await storage.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];

    it("writes a stream longer than one part as a multipart upload", async () => {
      const chunks = Array.from({ length: 9 }, () => randomBytes(1024 * 1024));
      await storage.write("stream/long", Readable.from(chunks), { contentType: "image/jpeg" });
      const info = await storage.head("stream/long");
      // 8 MiB fill the first part, 1 MiB the last.
      expect(info).toEqual({
        size: 9 * 1024 * 1024,
        etag: multipartEtagOf([Buffer.concat(chunks.slice(0, 8)), chunks[8]!]),
        contentType: "image/jpeg",
      });
      expect((await readAll(await storage.read("stream/long"))).equals(Buffer.concat(chunks))).toBe(true);
      expect(await openUploads()).toEqual([]);
    });

    it("aborts the multipart upload and stores nothing when the stream fails midway", async () => {
      async function* failing() {
        for (let i = 0; i < 9; i++) yield randomBytes(1024 * 1024);
        throw new Error("disk read failed");
      }
      await expect(
        storage.write("stream/failed", Readable.from(failing()), { contentType: "image/jpeg" }),
      ).rejects.toThrow("disk read failed");
      expect(await storage.head("stream/failed")).toBeNull();
      expect(await openUploads()).toEqual([]);
    });

    it("signs Content-Length and Content-Type into a presigned PUT", async () => {
      const bytes = randomBytes(100);
      const signed = await storage.presignPut("signed/put", {
        contentType: "image/png",
        contentLength: bytes.length,
        expiresInSec: 60,
      });
      const put = (body: Buffer, contentType: string) =>
        fetch(signed.url, { method: "PUT", body, headers: { "content-type": contentType } });
      expect((await put(bytes.subarray(1), "image/png")).status).toBe(403);
      expect((await put(bytes, "image/jpeg")).status).toBe(403);
      expect(await storage.head("signed/put")).toBeNull();
      const ok = await put(bytes, "image/png");
      expect(ok.status).toBe(200);
      expect(ok.headers.get("etag")).toBe(quotedMd5(bytes));
    });

    it("maps S3 errors of unknown uploads to StorageError", async () => {
      const err = await storage.listParts("nope", "not-an-upload").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toMatchObject({ code: "NO_SUCH_UPLOAD" });
    });

    it("fails check() when the bucket does not exist", async () => {
      const missing = storageFor(server, uniqueBucketName("rapidphoto-missing"));
      await expect(missing.check()).rejects.toThrow();
      await missing.close();
    });

    it("rejects presign expiries S3 would refuse", async () => {
      await expect(
        storage.presignPut("k", { contentType: "image/png", contentLength: 1, expiresInSec: 8 * 24 * 3600 }),
      ).rejects.toThrow(RangeError);
    });
  });
});

describe("S3 adapter with the store unreachable", () => {
  it("reports every call that needs the store as StorageError UNAVAILABLE", async () => {
    const [closedPort] = await freePorts(1); // free: nothing listens there
    const storage = createS3Storage({
      bucket: "unreachable",
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${closedPort}`,
      accessKeyId: "test:tester",
      secretAccessKey: "testing",
      forcePathStyle: true,
    });
    try {
      for (const call of [
        () => storage.head("k"),
        () => storage.createMultipart("k", { contentType: "image/jpeg" }),
        () => storage.move("a", "b"),
        () => storage.completeMultipart("k", "u", [{ partNumber: 1, etag: '"e"' }]),
      ]) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StorageError);
        expect(err).toMatchObject({ code: "UNAVAILABLE" });
      }
    } finally {
      await storage.close();
    }
  });
});
