import { randomBytes } from "node:crypto";
import path from "node:path";
import { StorageError } from "./storage.js";

/**
 * Where the disk adapter keeps things. Everything lives under one root so that temp files can be
 * renamed into place atomically (same filesystem):
 *
 *   objects/<key>              object bytes, path = key
 *   meta/<key>~.json           sidecar: size, ETag, content type (`~` never occurs in a key, so a
 *                              sidecar name can never collide with a key's directory)
 *   multipart/<uploadId>/      one in-progress upload: upload.json + one file per stored part
 *   tmp/                       bytes being received; renamed into place only when complete
 */
export type DiskLayout = {
  readonly root: string;
  readonly objects: string;
  readonly meta: string;
  readonly multipart: string;
  readonly tmp: string;
};

export const MAX_KEY_LENGTH = 1024; // S3's limit on key length in bytes
const KEY_SEGMENT = /^[A-Za-z0-9_.-]+$/;
const UPLOAD_ID = /^[A-Za-z0-9_-]{22}$/; // 16 random bytes, base64url
export const MAX_PART_NUMBER = 10_000; // S3 hard limit

export function diskLayout(rootDir: string): DiskLayout {
  const root = path.resolve(rootDir);
  return {
    root,
    objects: path.join(root, "objects"),
    meta: path.join(root, "meta"),
    multipart: path.join(root, "multipart"),
    tmp: path.join(root, "tmp"),
  };
}

/**
 * Throws StorageError("INVALID_KEY") unless the key is `seg/seg/…` with each segment drawn from
 * `[A-Za-z0-9_.-]` and none equal to `.` or `..`. With that charset no key can name anything
 * outside the tree: no separators other than `/`, no absolute paths, no parent segments.
 */
export function assertValidKey(key: string): void {
  const ok =
    key.length > 0 &&
    key.length <= MAX_KEY_LENGTH &&
    key.split("/").every((segment) => KEY_SEGMENT.test(segment) && segment !== "." && segment !== "..");
  if (!ok) throw new StorageError("INVALID_KEY", `Invalid object key ${JSON.stringify(key.slice(0, 100))}.`);
}

/** Joins a validated key under `base` and checks containment again, as a second, independent guard. */
function contained(base: string, relative: string): string {
  const full = path.resolve(base, relative);
  if (!full.startsWith(base + path.sep)) throw new StorageError("INVALID_KEY", "Object key escapes the storage root.");
  return full;
}

export function objectPath(layout: DiskLayout, key: string): string {
  assertValidKey(key);
  return contained(layout.objects, key);
}

export function metaPath(layout: DiskLayout, key: string): string {
  assertValidKey(key);
  return contained(layout.meta, `${key}~.json`);
}

export function newUploadId(): string {
  return randomBytes(16).toString("base64url");
}

export function isUploadId(value: string): boolean {
  return UPLOAD_ID.test(value);
}

/** The directory of one multipart upload. An id we could not have issued is simply unknown. */
export function uploadDir(layout: DiskLayout, uploadId: string): string {
  if (!isUploadId(uploadId)) throw new StorageError("NO_SUCH_UPLOAD", "No such multipart upload.");
  return contained(layout.multipart, uploadId);
}

export function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new RangeError(`Part number must be an integer from 1 to ${MAX_PART_NUMBER}, got ${partNumber}.`);
  }
}

/** A unique temp file name; the caller renames it into place or removes it. */
export function tempPath(layout: DiskLayout, label: string): string {
  return path.join(layout.tmp, `${label}.${randomBytes(8).toString("hex")}.tmp`);
}
