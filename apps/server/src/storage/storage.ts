import type { Readable } from "node:stream";

/**
 * The one port every object store implements (DESIGN §7). Services decide *when*; adapters only
 * know *how*. Keys are opaque strings made by the server (`u/<userId>/<photoId>/original`), never
 * taken from a request.
 */
export interface ObjectStorage {
  readonly kind: "disk" | "s3";
  /** A URL the browser PUTs the whole object to. `contentLength` is the exact size the server expects. */
  presignPut(
    key: string,
    opts: { contentType: string; contentLength: number; expiresInSec: number },
  ): Promise<SignedUrl>;
  createMultipart(key: string, opts: { contentType: string; signal?: AbortSignal }): Promise<{ uploadId: string }>;
  /** A URL for one part. `maxBytes` bounds the body (the disk adapter enforces it; S3 enforces its own rules). */
  presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    opts: { expiresInSec: number; maxBytes: number },
  ): Promise<SignedUrl>;
  /** Parts stored so far, ascending by part number. Throws StorageError("NO_SUCH_UPLOAD") for an unknown upload. */
  listParts(key: string, uploadId: string, opts?: SignalOpt): Promise<StoredPart[]>;
  /**
   * Joins parts into the object. Parts must be strictly ascending (INVALID_PART_ORDER), each must be
   * stored with that ETag (INVALID_PART), and every part but the last must be ≥ 5 MiB (ENTITY_TOO_SMALL).
   * Throws NO_SUCH_UPLOAD for an unknown or aborted upload. Returns the object's quoted ETag.
   */
  completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    opts?: SignalOpt,
  ): Promise<{ etag: string }>;
  /** Removes stored parts. Aborting an unknown upload is not an error. */
  abortMultipart(key: string, uploadId: string, opts?: SignalOpt): Promise<void>;
  /** null when there is no such object. */
  head(key: string, opts?: SignalOpt): Promise<ObjectInfo | null>;
  /** Throws StorageError("NO_SUCH_KEY") when there is no such object. */
  read(key: string, opts?: SignalOpt): Promise<Readable>;
  write(key: string, body: Buffer | Readable, opts: { contentType: string; signal?: AbortSignal }): Promise<void>;
  presignGet(key: string, opts: { expiresInSec: number; downloadFilename?: string }): Promise<string>;
  /**
   * Moves an object to another key inside the store (replacing what is there), then removes the
   * source. The copy is the store's own (rename on disk, CopyObject on S3): no URL ever signed for
   * `from`, nor any part of an upload completed at `from`, can reach the bytes now at `to`.
   * Throws StorageError("NO_SUCH_KEY") when `from` does not exist.
   */
  move(from: string, to: string, opts?: SignalOpt): Promise<void>;
  /** Deleting a missing object is not an error. */
  delete(key: string, opts?: SignalOpt): Promise<void>;
  /** Throws when the store is unreachable (used by /healthz). */
  check(opts?: SignalOpt): Promise<void>;
  close(): Promise<void>;
}

export type SignalOpt = { signal?: AbortSignal };
export type SignedUrl = { url: string; headers: Record<string, string>; expiresAt: Date };
export type StoredPart = { partNumber: number; etag: string; size: number };
export type ObjectInfo = { size: number; etag: string; contentType: string | null };

/**
 * Objects under this prefix are uploads on their way in, read only until finalize moves them. One
 * left behind (a stale URL used after finalize, a crash) is expired by age: the disk sweeper on
 * disk, a lifecycle rule on S3 (see README.md).
 */
export const STAGING_PREFIX = "staging/";

/** S3's minimum size of every part but the last (EntityTooSmall below it). */
export const MIN_MULTIPART_PART_BYTES = 5 * 1024 * 1024;

export type StorageErrorCode =
  | "NO_SUCH_UPLOAD"
  | "NO_SUCH_KEY"
  | "INVALID_PART"
  | "ENTITY_TOO_SMALL"
  | "INVALID_PART_ORDER"
  /** A key outside the allowed charset or with `.`/`..` segments (a server bug: keys are never user input). */
  | "INVALID_KEY"
  /** The store cannot be reached or written now (disk full or unwritable, S3 down): worth retrying later. */
  | "UNAVAILABLE";

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }
}
