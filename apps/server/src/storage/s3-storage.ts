import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { attachmentDisposition } from "./content-disposition.js";
import { fromS3Error, isS3Error } from "./s3-errors.js";
import { uploadStream } from "./s3-stream-upload.js";
import type { ObjectInfo, ObjectStorage, SignedUrl, StoredPart } from "./storage.js";

export type S3StorageOptions = {
  bucket: string;
  region: string;
  /** For S3-compatible stores (MinIO, Swift, R2…); unset for AWS. */
  endpoint?: string;
  /** Unset: the SDK's default chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible stores. */
  forcePathStyle?: boolean;
};

export interface S3Storage extends ObjectStorage {
  readonly kind: "s3";
  readonly bucket: string;
  /** The client, for tooling and tests (bucket setup and teardown). */
  readonly client: S3Client;
  /** Creates the bucket when it does not exist (development and tests; production buckets are provisioned). */
  ensureBucket(opts?: { signal?: AbortSignal }): Promise<void>;
}

const MAX_PRESIGN_SEC = 7 * 24 * 3600; // SigV4 presigned URLs live at most 7 days
const LIST_PARTS_PAGE = 1000; // S3's maximum page size

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const { bucket } = options;
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials:
      options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined,
    // Checksums only where S3 demands them: presigned URLs then carry no checksum of an empty body,
    // and streamed bodies are not sent aws-chunked (which S3-compatible stores often reject).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  /** Runs a command, turning S3's errors into StorageErrors where the port defines them. */
  async function send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  const storage: S3Storage = {
    kind: "s3",
    bucket,
    client,

    async presignPut(key, { contentType, contentLength, expiresInSec }): Promise<SignedUrl> {
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: contentType,
        ContentLength: contentLength,
      });
      const expiresAt = expiryDate(expiresInSec);
      // Content-Length and Content-Type are signed: another size or type is SignatureDoesNotMatch.
      const url = await getSignedUrl(client, command, {
        expiresIn: checkExpiry(expiresInSec),
        signableHeaders: new Set(["content-type"]),
      });
      return { url, headers: { "Content-Type": contentType }, expiresAt };
    },

    async createMultipart(key, { contentType, signal }) {
      const out = await send(() =>
        client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
          abortSignal: signal,
        }),
      );
      if (!out.UploadId) throw new Error("S3 returned no UploadId for CreateMultipartUpload.");
      return { uploadId: out.UploadId };
    },

    // maxBytes is not enforceable here: S3 bounds parts itself (5 GiB each).
    async presignPart(key, uploadId, partNumber, { expiresInSec }): Promise<SignedUrl> {
      const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber });
      const expiresAt = expiryDate(expiresInSec);
      const url = await getSignedUrl(client, command, { expiresIn: checkExpiry(expiresInSec) });
      return { url, headers: {}, expiresAt };
    },

    async listParts(key, uploadId, opts) {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const page: ListPartsCommandOutput = await send(() =>
          client.send(
            new ListPartsCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MaxParts: LIST_PARTS_PAGE,
              PartNumberMarker: marker,
            }),
            { abortSignal: opts?.signal },
          ),
        );
        for (const p of page.Parts ?? []) {
          if (p.PartNumber !== undefined && p.ETag)
            parts.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
        }
        if (!page.IsTruncated || !page.NextPartNumberMarker) break;
        marker = page.NextPartNumberMarker;
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },

    async completeMultipart(key, uploadId, parts, opts) {
      const out = await send(() =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          }),
          { abortSignal: opts?.signal },
        ),
      );
      if (!out.ETag) throw new Error("S3 returned no ETag for CompleteMultipartUpload.");
      return { etag: out.ETag };
    },

    async abortMultipart(key, uploadId, opts) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), {
          abortSignal: opts?.signal,
        });
      } catch (err) {
        if (!isS3Error(err, "NoSuchUpload")) throw fromS3Error(err); // already aborted or completed: nothing to do
      }
    },

    async head(key, opts): Promise<ObjectInfo | null> {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: opts?.signal,
        });
        return { size: out.ContentLength ?? 0, etag: out.ETag ?? "", contentType: out.ContentType ?? null };
      } catch (err) {
        if (isS3Error(err, "NotFound", "NoSuchKey")) return null;
        throw fromS3Error(err);
      }
    },

    async read(key, opts) {
      const out = await send(() =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: opts?.signal }),
      );
      if (!out.Body) throw new Error(`S3 returned no body for ${key}.`);
      return out.Body as Readable; // in Node the SDK's body is an http.IncomingMessage
    },

    async write(key, body, { contentType, signal }) {
      if (Buffer.isBuffer(body)) {
        await send(() =>
          client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), {
            abortSignal: signal,
          }),
        );
        return;
      }
      await uploadStream(storage, client, { bucket, key, body, contentType, signal });
    },

    async presignGet(key, { expiresInSec, downloadFilename }) {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition:
          downloadFilename === undefined ? undefined : attachmentDisposition(downloadFilename),
        // No cache may keep the bytes longer than the URL is valid.
        ResponseCacheControl: `private, max-age=${expiresInSec}`,
      });
      return getSignedUrl(client, command, { expiresIn: checkExpiry(expiresInSec) });
    },

    // One CopyObject (S3 copies up to 5 GiB at once, the largest photo accepted), then the source
    // goes. The copy is a new object: a completed multipart upload's parts are not shared with it.
    async move(from, to, opts) {
      const source = `${bucket}/${from.split("/").map(encodeURIComponent).join("/")}`;
      await send(() =>
        client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source }), {
          abortSignal: opts?.signal,
        }),
      );
      await send(() =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }), { abortSignal: opts?.signal }),
      );
    },

    async delete(key, opts) {
      // S3 answers 204 for a missing key too, so deleting twice is fine.
      await send(() =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: opts?.signal }),
      );
    },

    async check(opts) {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: opts?.signal });
    },

    async ensureBucket(opts) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: opts?.signal });
        return;
      } catch (err) {
        if (!isS3Error(err, "NotFound", "NoSuchBucket")) throw err;
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal: opts?.signal });
      } catch (err) {
        // Someone else (another test worker, another instance) created it first.
        if (!isS3Error(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists")) throw err;
      }
    },

    async close() {
      client.destroy();
    },
  };
  return storage;
}

function checkExpiry(expiresInSec: number): number {
  if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > MAX_PRESIGN_SEC) {
    throw new RangeError(`expiresInSec must be an integer from 1 to ${MAX_PRESIGN_SEC}, got ${expiresInSec}.`);
  }
  return expiresInSec;
}

/** Taken before signing, so it errs early: the signer stamps its own clock a moment later. */
function expiryDate(expiresInSec: number): Date {
  return new Date(Date.now() + expiresInSec * 1000);
}
