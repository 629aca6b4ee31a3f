import type { Readable } from "node:stream";
import { PutObjectCommand, type S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { MIN_PART_SIZE } from "@rapidphoto/protocol";
import type { ObjectStorage } from "./storage.js";

/**
 * Writes a stream of unknown length to S3 holding at most about one part in memory. PutObject
 * needs a length, and a length-less streamed body would go aws-chunked (rejected by several
 * S3-compatible stores), so short streams become one PutObject and longer ones a multipart upload
 * whose parts are sent one at a time as they fill; the stream is not read while a part is in flight.
 */
export async function uploadStream(
  storage: Pick<ObjectStorage, "createMultipart" | "completeMultipart" | "abortMultipart">,
  client: S3Client,
  opts: { bucket: string; key: string; body: Readable; contentType: string; signal?: AbortSignal },
): Promise<void> {
  const { bucket, key, body, contentType, signal } = opts;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let uploadId: string | undefined;
  const parts: { partNumber: number; etag: string }[] = [];

  const sendPart = async () => {
    uploadId ??= (await storage.createMultipart(key, { contentType, signal })).uploadId;
    const partNumber = parts.length + 1;
    const out = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: Buffer.concat(pending),
      }),
      { abortSignal: signal },
    );
    if (!out.ETag) throw new Error(`S3 returned no ETag for part ${partNumber} of ${key}.`);
    parts.push({ partNumber, etag: out.ETag });
    pending = [];
    pendingBytes = 0;
  };

  try {
    for await (const chunk of body) {
      signal?.throwIfAborted();
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      pending.push(buffer);
      pendingBytes += buffer.length;
      if (pendingBytes >= MIN_PART_SIZE) await sendPart();
    }
    if (uploadId === undefined) {
      const whole = Buffer.concat(pending);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: whole, ContentType: contentType }), {
        abortSignal: signal,
      });
      return;
    }
    if (pendingBytes > 0) await sendPart(); // the last part may be any size
    await storage.completeMultipart(key, uploadId, parts, { signal });
  } catch (err) {
    body.destroy();
    if (uploadId !== undefined) await storage.abortMultipart(key, uploadId).catch(() => undefined);
    throw err;
  }
}
