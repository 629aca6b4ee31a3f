import { createReadStream, createWriteStream } from "node:fs";
import { readdir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import {
  type BodyLimits,
  checkDeclaredSize,
  readdirOrEmpty,
  readJson,
  receiveToFile,
  writeJsonAtomically,
} from "./disk-files.js";
import type { DiskObjects } from "./disk-objects.js";
import {
  assertPartNumber,
  assertValidKey,
  type DiskLayout,
  MAX_PART_NUMBER,
  newUploadId,
  tempPath,
  uploadDir,
} from "./disk-paths.js";
import { bareEtag, multipartEtag, singleEtag } from "./etag.js";
import { createKeyedLock } from "./keyed-lock.js";
import { MIN_MULTIPART_PART_BYTES, StorageError, type StoredPart } from "./storage.js";

/** upload.json: what createMultipart was told. */
const UploadRecord = z.object({ key: z.string(), contentType: z.string(), createdAt: z.string() });
type UploadRecord = z.infer<typeof UploadRecord>;

/** A stored part is one file named `<5-digit part number>-<md5 hex>.part`: the name is its ETag. */
const PART_FILE = /^(\d{5})-([0-9a-f]{32})\.part$/;
const UPLOAD_FILE = "upload.json";

type PartFile = StoredPart & { md5hex: string; file: string };

/**
 * In-progress multipart uploads on disk, each in its own directory and kept apart from objects
 * until complete() joins them (DESIGN §7). The rules are S3's, so the upload service behaves the
 * same against either adapter.
 */
export type DiskMultipart = {
  create(key: string, contentType: string): Promise<string>;
  receivePart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    opts: { maxBytes: number; declaredBytes?: number; signal?: AbortSignal },
  ): Promise<StoredPart>;
  list(key: string, uploadId: string): Promise<StoredPart[]>;
  complete(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    signal?: AbortSignal,
  ): Promise<{ etag: string }>;
  abort(key: string, uploadId: string): Promise<void>;
  /** Removes uploads with no activity (created, or a part stored) for `olderThanMs`. Returns how many. */
  sweep(olderThanMs: number, now: number): Promise<number>;
};

export function createDiskMultipart(layout: DiskLayout, objects: DiskObjects): DiskMultipart {
  // Part commits, complete, abort and sweep of one upload never interleave.
  const lock = createKeyedLock();

  /** The upload's record; NO_SUCH_UPLOAD when it is unknown, aborted, completed or for another key. */
  async function requireUpload(key: string, uploadId: string): Promise<{ dir: string; record: UploadRecord }> {
    const dir = uploadDir(layout, uploadId);
    const record = await readJson(path.join(dir, UPLOAD_FILE), UploadRecord);
    if (!record || record.key !== key) throw new StorageError("NO_SUCH_UPLOAD", "No such multipart upload.");
    return { dir, record };
  }

  async function readParts(dir: string): Promise<PartFile[]> {
    const byNumber = new Map<number, PartFile>();
    for (const name of await readdir(dir)) {
      const match = PART_FILE.exec(name);
      if (!match) continue;
      const file = path.join(dir, name);
      const { size } = await stat(file);
      const md5hex = match[2]!;
      byNumber.set(Number(match[1]), { partNumber: Number(match[1]), etag: singleEtag(md5hex), size, md5hex, file });
    }
    return [...byNumber.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  return {
    async create(key, contentType) {
      assertValidKey(key);
      const uploadId = newUploadId();
      const record: UploadRecord = { key, contentType, createdAt: new Date().toISOString() };
      await writeJsonAtomically(
        tempPath(layout, "upload"),
        path.join(uploadDir(layout, uploadId), UPLOAD_FILE),
        record,
      );
      return uploadId;
    },

    async receivePart(key, uploadId, partNumber, body, opts) {
      assertPartNumber(partNumber);
      const limits: BodyLimits = { maxBytes: opts.maxBytes };
      checkDeclaredSize(opts.declaredBytes, limits);
      await requireUpload(key, uploadId); // fail before reading a byte of an unknown upload
      const tmp = tempPath(layout, "part");
      const received = await receiveToFile(body, tmp, { ...limits, signal: opts.signal });
      return lock(uploadId, async () => {
        try {
          // Checked again: the upload may have been aborted or completed while the body arrived.
          const { dir } = await requireUpload(key, uploadId);
          const prefix = `${String(partNumber).padStart(5, "0")}-`;
          const name = `${prefix}${received.md5hex}.part`;
          await rename(tmp, path.join(dir, name)); // the directory exists: requireUpload just read its record
          // A part sent again replaces the earlier copy, as in S3.
          for (const other of await readdir(dir)) {
            if (other.startsWith(prefix) && other !== name) await unlink(path.join(dir, other));
          }
          return { partNumber, etag: singleEtag(received.md5hex), size: received.size };
        } finally {
          await rm(tmp, { force: true });
        }
      });
    },

    async list(key, uploadId) {
      return lock(uploadId, async () => {
        const { dir } = await requireUpload(key, uploadId);
        return (await readParts(dir)).map(({ partNumber, etag, size }) => ({ partNumber, etag, size }));
      });
    },

    async complete(key, uploadId, parts, signal) {
      return lock(uploadId, async () => {
        const { dir, record } = await requireUpload(key, uploadId);
        const chosen = choosePartsToJoin(parts, await readParts(dir));
        const tmp = tempPath(layout, "complete");
        try {
          // Streamed part after part: never more than a chunk in memory, whatever the object's size.
          await pipeline(concatFiles(chosen.map((p) => p.file)), createWriteStream(tmp, { flags: "wx" }), { signal });
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
        const etag = multipartEtag(chosen.map((p) => p.md5hex));
        const size = chosen.reduce((sum, p) => sum + p.size, 0);
        await objects.commit(key, tmp, { size, etag, contentType: record.contentType });
        await rm(dir, { recursive: true, force: true });
        return { etag };
      });
    },

    async abort(key, uploadId) {
      return lock(uploadId, async () => {
        let dir: string;
        try {
          ({ dir } = await requireUpload(key, uploadId));
        } catch (err) {
          if (err instanceof StorageError && err.code === "NO_SUCH_UPLOAD") return; // already gone
          throw err;
        }
        await rm(dir, { recursive: true, force: true });
      });
    },

    async sweep(olderThanMs, now) {
      let removed = 0;
      for (const uploadId of await readdirOrEmpty(layout.multipart)) {
        const dir = path.join(layout.multipart, uploadId);
        const swept = await lock(uploadId, async () => {
          // A directory's mtime moves whenever a part is renamed into it: it is the last activity.
          const lastActivity = await stat(dir).then(
            (s) => s.mtimeMs,
            () => null,
          );
          if (lastActivity === null || now - lastActivity < olderThanMs) return false;
          await rm(dir, { recursive: true, force: true });
          return true;
        });
        if (swept) removed++;
      }
      return removed;
    },
  };
}

/** Applies S3's CompleteMultipartUpload rules, in S3's order, to the parts a client names. */
function choosePartsToJoin(requested: { partNumber: number; etag: string }[], stored: PartFile[]): PartFile[] {
  if (requested.length === 0) throw new StorageError("INVALID_PART", "Name at least one part to complete an upload.");
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) {
      throw new StorageError("INVALID_PART_ORDER", "Parts must be listed in strictly ascending part-number order.");
    }
  }
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  const chosen = requested.map(({ partNumber, etag }) => {
    const part = byNumber.get(partNumber);
    const valid = Number.isInteger(partNumber) && partNumber >= 1 && partNumber <= MAX_PART_NUMBER;
    if (!valid || !part || bareEtag(etag) !== part.md5hex) {
      throw new StorageError("INVALID_PART", `Part ${partNumber} was not stored with ETag ${etag}.`);
    }
    return part;
  });
  for (const part of chosen.slice(0, -1)) {
    if (part.size < MIN_MULTIPART_PART_BYTES) {
      throw new StorageError(
        "ENTITY_TOO_SMALL",
        `Part ${part.partNumber} is ${part.size} bytes; every part but the last must be at least ${MIN_MULTIPART_PART_BYTES}.`,
      );
    }
  }
  return chosen;
}

async function* concatFiles(files: string[]): AsyncGenerator<Buffer> {
  for (const file of files) yield* createReadStream(file);
}
