import { mkdirSync } from "node:fs";
import { access, constants, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { checkDeclaredSize, readdirOrEmpty, receiveToFile } from "./disk-files.js";
import { createDiskMultipart } from "./disk-multipart.js";
import { createDiskObjects } from "./disk-objects.js";
import { assertPartNumber, assertValidKey, diskLayout, isUploadId, tempPath } from "./disk-paths.js";
import { singleEtag } from "./etag.js";
import {
  type ObjectInfo,
  type ObjectStorage,
  type SignalOpt,
  type SignedUrl,
  STAGING_PREFIX,
  StorageError,
  type StoredPart,
} from "./storage.js";
import { createUrlSigner, type VerifiedGrant } from "./url-signer.js";

/** Where diskStorageRoutes is registered; signed URLs point here. */
export const DISK_STORAGE_PREFIX = "/storage";

/** The part of a pino/Fastify logger the adapter uses. */
export type StorageLogger = {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type DiskStorageOptions = {
  /** Everything lives under here (DATA_DIR in the app). */
  rootDir: string;
  /** Base of signed URLs, e.g. PUBLIC_URL (`http://localhost:3000`). */
  publicUrl: string;
  /** HMAC key for signed URLs, ≥ 32 bytes, stable across restarts so issued URLs stay valid. */
  secret: Buffer;
  logger?: StorageLogger;
  /** Clock, for tests. */
  now?: () => number;
};

/** The embedded default object store: the ObjectStorage port plus what its HTTP routes need. */
export interface DiskStorage extends ObjectStorage {
  readonly kind: "disk";
  /** Verifies a signed URL for this method and key. Throws SignedUrlError (or StorageError INVALID_KEY). */
  authorize(method: "GET" | "PUT", key: string, query: unknown): VerifiedGrant;
  /** Stores a presigned PUT body; it must be exactly `size` bytes. Throws BodySizeError. */
  receiveObject(
    key: string,
    body: Readable,
    opts: { size: number; contentType: string; declaredBytes?: number; signal?: AbortSignal },
  ): Promise<{ etag: string }>;
  /** Stores one part of a multipart upload, at most `maxBytes`. Throws BodySizeError, StorageError. */
  receivePart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    opts: { maxBytes: number; declaredBytes?: number; signal?: AbortSignal },
  ): Promise<StoredPart>;
  /** Info and bytes in one step, so both come from the same version. Throws StorageError("NO_SUCH_KEY"). */
  open(key: string): Promise<{ info: ObjectInfo; body: Readable }>;
  /** Removes multipart uploads idle for `olderThanMs`, staged objects as old, and temp files left by crashes. */
  sweepAbandoned(olderThanMs: number): Promise<{ uploads: number; staged: number; tempFiles: number }>;
  /** Sweeps every `intervalMs` until the returned function (or close()) is called. */
  startSweeper(intervalMs: number, ttlMs: number): () => void;
}

export function createDiskStorage(options: DiskStorageOptions): DiskStorage {
  const layout = diskLayout(options.rootDir);
  for (const dir of [layout.objects, layout.meta, layout.multipart, layout.tmp]) mkdirSync(dir, { recursive: true });
  const now = options.now ?? Date.now;
  const signer = createUrlSigner(options.secret, now);
  const base = `${new URL(options.publicUrl).toString().replace(/\/+$/, "")}${DISK_STORAGE_PREFIX}`;
  const objects = createDiskObjects(layout);
  const multipart = createDiskMultipart(layout, objects);
  const sweepers = new Set<() => void>();

  const urlFor = (key: string, query: URLSearchParams) => `${base}/${key}?${query}`;

  /** Stores a stream as `key` with the limits given; the one path for write() and presigned PUTs. */
  async function store(
    key: string,
    body: Readable,
    opts: { contentType: string; exactBytes?: number; signal?: AbortSignal },
  ): Promise<{ etag: string }> {
    assertValidKey(key);
    const tmp = tempPath(layout, "object");
    const received = await receiveToFile(body, tmp, { exactBytes: opts.exactBytes, signal: opts.signal });
    const etag = singleEtag(received.md5hex);
    await objects.commit(key, tmp, { size: received.size, etag, contentType: opts.contentType });
    return { etag };
  }

  /** Objects under STAGING_PREFIX written `olderThanMs` ago or earlier (see STAGING_PREFIX). */
  async function sweepStaged(olderThanMs: number): Promise<number> {
    let removed = 0;
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      for (const name of await readdirOrEmpty(dir)) {
        const file = path.join(dir, name);
        const info = await stat(file).catch(() => null);
        if (info?.isDirectory()) await walk(file, `${keyPrefix}${name}/`);
        else if (info && now() - info.mtimeMs >= olderThanMs) {
          await objects.delete(`${keyPrefix}${name}`);
          removed++;
        }
      }
    };
    await walk(path.join(layout.objects, STAGING_PREFIX), STAGING_PREFIX);
    return removed;
  }

  async function sweepTempFiles(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const name of await readdirOrEmpty(layout.tmp)) {
      const file = path.join(layout.tmp, name);
      const info = await stat(file).catch(() => null);
      if (info && now() - info.mtimeMs >= olderThanMs) {
        await rm(file, { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  const storage: DiskStorage = {
    kind: "disk",

    async presignPut(key, { contentType, contentLength, expiresInSec }): Promise<SignedUrl> {
      assertValidKey(key);
      if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
        throw new RangeError(`contentLength must be a non-negative integer, got ${contentLength}.`);
      }
      const { query, expiresAt } = signer.sign({ kind: "put", key, size: contentLength, contentType }, expiresInSec);
      return { url: urlFor(key, query), headers: { "Content-Type": contentType }, expiresAt };
    },

    createMultipart: faultsAsUnavailable(async (key, { contentType }) => ({
      uploadId: await multipart.create(key, contentType),
    })),

    async presignPart(key, uploadId, partNumber, { expiresInSec, maxBytes }): Promise<SignedUrl> {
      assertValidKey(key);
      assertPartNumber(partNumber);
      if (!isUploadId(uploadId)) throw new StorageError("NO_SUCH_UPLOAD", "No such multipart upload.");
      if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
        throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}.`);
      }
      const { query, expiresAt } = signer.sign({ kind: "part", key, uploadId, partNumber, maxBytes }, expiresInSec);
      return { url: urlFor(key, query), headers: {}, expiresAt };
    },

    listParts: faultsAsUnavailable((key, uploadId) => multipart.list(key, uploadId)),
    completeMultipart: faultsAsUnavailable((key, uploadId, parts, opts?: SignalOpt) =>
      multipart.complete(key, uploadId, parts, opts?.signal),
    ),
    abortMultipart: faultsAsUnavailable((key, uploadId) => multipart.abort(key, uploadId)),
    head: faultsAsUnavailable((key) => objects.head(key)),

    read: faultsAsUnavailable(async (key, opts?: SignalOpt) => {
      const { body } = await objects.open(key);
      if (opts?.signal) Readable.addAbortSignal(opts.signal, body);
      return body;
    }),

    write: faultsAsUnavailable(async (key, body, { contentType, signal }) => {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      try {
        await store(key, source, { contentType, signal });
      } catch (err) {
        source.destroy(); // ours to end, unlike an HTTP request (see receiveToFile)
        throw err;
      }
    }),

    async presignGet(key, { expiresInSec, downloadFilename }) {
      assertValidKey(key);
      const grant = downloadFilename === undefined ? { key } : { key, filename: downloadFilename };
      const { query } = signer.sign({ kind: "get", ...grant }, expiresInSec);
      return urlFor(key, query);
    },

    move: faultsAsUnavailable((from, to) => objects.move(from, to)),
    delete: faultsAsUnavailable((key) => objects.delete(key)),

    async check() {
      await access(layout.root, constants.R_OK | constants.W_OK);
      // Every write starts in tmp/: a file or an unwritable directory there stops them all.
      await access(layout.tmp, constants.W_OK);
      if (!(await stat(layout.tmp)).isDirectory()) throw new StorageError("UNAVAILABLE", "tmp/ is not a directory.");
    },

    async close() {
      for (const stop of [...sweepers]) stop();
    },

    authorize(method, key, query) {
      const grant = signer.verify(method, key, query);
      assertValidKey(grant.key); // unreachable for URLs we signed; a second guard all the same
      return grant;
    },

    receiveObject: faultsAsUnavailable(async (key, body, { size, contentType, declaredBytes, signal }) => {
      checkDeclaredSize(declaredBytes, { exactBytes: size });
      return store(key, body, { contentType, exactBytes: size, signal });
    }),

    receivePart: faultsAsUnavailable((key, uploadId, partNumber, body, opts) =>
      multipart.receivePart(key, uploadId, partNumber, body, opts),
    ),

    open: faultsAsUnavailable((key) => objects.open(key)),

    async sweepAbandoned(olderThanMs) {
      const uploads = await multipart.sweep(olderThanMs, now());
      const staged = await sweepStaged(olderThanMs);
      const tempFiles = await sweepTempFiles(olderThanMs);
      return { uploads, staged, tempFiles };
    },

    startSweeper(intervalMs, ttlMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return; // a slow sweep is never doubled up
        running = true;
        storage
          .sweepAbandoned(ttlMs)
          .then((removed) => {
            if (removed.uploads + removed.staged + removed.tempFiles > 0) {
              options.logger?.info(removed, "swept abandoned uploads");
            }
          })
          .catch((err: unknown) => options.logger?.error({ err }, "sweeping abandoned uploads failed"))
          .finally(() => {
            running = false;
          });
      }, intervalMs);
      timer.unref(); // never keeps the process alive on its own
      const stop = () => {
        clearInterval(timer);
        sweepers.delete(stop);
      };
      sweepers.add(stop);
      return stop;
    },
  };
  return storage;
}

/**
 * The filesystem failing under us (unwritable, full, a directory replaced by a file, too many open
 * files) is the store being unavailable, not a bug: callers answer 503 and clients retry. Node's
 * system errors are the ones that carry `syscall`; everything else passes through unchanged.
 */
function faultsAsUnavailable<A extends unknown[], R>(run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await run(...args);
    } catch (err) {
      if (typeof (err as { syscall?: unknown } | null)?.syscall !== "string") throw err;
      throw new StorageError("UNAVAILABLE", "Disk storage cannot be read or written right now.", { cause: err });
    }
  };
}
