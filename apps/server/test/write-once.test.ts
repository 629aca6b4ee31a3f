import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type { UploadItem } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { serviceAvailable } from "../testing/services.js";
import { destroyBucket, uniqueBucketName } from "./s3/s3-bucket.js";
import { type SwiftTestServer, startSwiftTestServer, swiftClient, swiftStorageEnv } from "./s3/swift-test-server.js";
import { sendBytes, waitForJob } from "./upload-client.js";

/**
 * Originals are write-once (DESIGN §7): once a photo is finalized, no signed URL handed out for it
 * (still valid or not) can change the bytes that were checksummed. On disk and on S3 (Swift s3api).
 */

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Same size, other bytes: what a stale or leaked URL would try to put in place of the photo. */
const otherBytesOfSameSize = (bytes: Buffer) =>
  Buffer.concat([bytes.subarray(0, 100), randomBytes(bytes.length - 100)]);

function writeOnceSuite(label: string, start: () => Promise<TestServer | null>) {
  describe(label, () => {
    let server: TestServer;
    let token = "";
    let ready = false;

    beforeAll(async () => {
      const started = await start();
      if (!started) return;
      server = started;
      token = (await server.register()).token;
      ready = true;
    }, 600_000);
    afterAll(() => server?.close());

    async function createJob(bytes: Buffer[]): Promise<{ jobId: string; items: UploadItem[] }> {
      const files = bytes.map((b, i) => ({ filename: `p${i}.jpg`, mimeType: "image/jpeg", bytes: b.length }));
      const res = await server.api("POST", "/commands/upload-jobs", { token, body: { files } });
      expect(res.status).toBe(201);
      return res.body;
    }

    const finalize = (photoId: string, body: unknown) =>
      server.api("POST", `/commands/upload/${photoId}/finalize`, { token, body });

    /** The photo's recorded checksum and the sha256 of what its download serves now. */
    async function storedChecksums(photoId: string) {
      const detail = (await server.api("GET", `/queries/photos/${photoId}`, { token })).body;
      const download = await fetch(detail.downloadUrl);
      expect(download.status).toBe(200);
      return { recorded: detail.checksum, served: sha256(Buffer.from(await download.arrayBuffer())) };
    }

    it("a PUT URL used again after COMPLETED cannot change the original", async ({ skip }) => {
      if (!ready) skip();
      const bytes = await makeTestJpeg({ width: 64, height: 48 });
      const { jobId, items } = await createJob([bytes]);
      const item = items[0]!;
      await sendBytes(server, token, item, bytes);
      expect((await finalize(item.photoId, {})).status).toBe(202);
      expect((await waitForJob(server, token, jobId)).status).toBe("COMPLETED");

      // The URL is still within its hour: whatever storage answers, the original stays as it was.
      const stale = await fetch(item.url as string, {
        method: "PUT",
        body: otherBytesOfSameSize(bytes),
        headers: item.headers,
      });
      await stale.arrayBuffer();
      expect(await storedChecksums(item.photoId)).toEqual({ recorded: sha256(bytes), served: sha256(bytes) });
      // Nor can a finalize now take those bytes in.
      expect((await finalize(item.photoId, {})).status).toBe(202);
      expect(await storedChecksums(item.photoId)).toEqual({ recorded: sha256(bytes), served: sha256(bytes) });
    });

    it("a PUT retried because its answer was lost, and a finalize sent twice, end COMPLETED", async ({ skip }) => {
      if (!ready) skip();
      const bytes = await makeTestJpeg({ width: 64, height: 48 });
      const { jobId, items } = await createJob([bytes]);
      const item = items[0]!;
      await sendBytes(server, token, item, bytes);
      await sendBytes(server, token, item, bytes); // the same PUT again: the first answer never arrived
      expect((await finalize(item.photoId, {})).status).toBe(202);
      // The finalize answer was lost too: the engine sends the PUT and the finalize once more.
      await sendBytes(server, token, item, bytes);
      const again = await finalize(item.photoId, {});
      expect(again.status).toBe(202);
      expect(["PROCESSING", "COMPLETED"]).toContain(again.body.status);
      expect((await waitForJob(server, token, jobId)).status).toBe("COMPLETED");
      expect(await storedChecksums(item.photoId)).toEqual({ recorded: sha256(bytes), served: sha256(bytes) });
    });

    it("a multipart part sent again after completion cannot change the original", async ({ skip }) => {
      if (!ready) skip();
      const bytes = await makeTestJpeg({ width: 64, height: 48, targetBytes: 9 * MiB });
      const { jobId, items } = await createJob([bytes]);
      const item = items[0]!;
      expect(item.multipart?.partCount).toBe(2);
      const signed = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
        token,
        body: { partNumbers: [1] },
      });
      const partUrl: string = signed.body.urls[0].url;
      const body = await sendBytes(server, token, item, bytes);
      expect((await finalize(item.photoId, body)).status).toBe(202);
      expect((await finalize(item.photoId, body)).status).toBe(202); // again, as after a lost answer
      expect((await waitForJob(server, token, jobId)).status).toBe("COMPLETED");

      const partSize = item.multipart?.partSize as number;
      const resent = await fetch(partUrl, { method: "PUT", body: otherBytesOfSameSize(bytes.subarray(0, partSize)) });
      await resent.arrayBuffer();
      expect(resent.status).toBe(404); // NoSuchUpload: the upload ended with its completion
      expect(await storedChecksums(item.photoId)).toEqual({ recorded: sha256(bytes), served: sha256(bytes) });
    });
  });
}

writeOnceSuite("write-once originals on disk", () => startTestServer());

let swift: SwiftTestServer | undefined;
let bucketCleanup: (() => Promise<void>) | undefined;
writeOnceSuite("write-once originals on S3 (Swift s3api)", async () => {
  const up = await serviceAvailable("the S3 test server (Swift)", async () => {
    swift = await startSwiftTestServer();
  });
  if (!up || !swift) return null;
  const bucket = uniqueBucketName();
  const s3 = swiftClient(swift);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  bucketCleanup = async () => {
    await destroyBucket(s3, bucket);
    s3.destroy();
  };
  return startTestServer({
    env: {
      ...swiftStorageEnv(swift, bucket),
    },
  });
});

afterAll(async () => {
  await bucketCleanup?.().catch(() => {});
  await swift?.stop();
});
