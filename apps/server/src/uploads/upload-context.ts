import { type JobEvent, MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { and, eq, inArray } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import pLimit from "p-limit";
import { DEFAULT_HASH_STORED_MAX_BYTES } from "../config/config.js";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { applyTransitions, type Transition } from "../photos/photo-transitions.js";
import type { ObjectStorage } from "../storage/storage.js";
import { createUploadStorage } from "./upload-storage.js";

export type UploadServiceDeps = {
  db: Db;
  storage: ObjectStorage;
  /** Called inside the transaction that made the change (job row locked), so events leave in seq order. Never rejects. */
  publish: (event: JobEvent) => Promise<void>;
  /** Tells a local worker there is work now, so it need not wait for its next poll. */
  onPhotosReady?: () => void;
  logger: FastifyBaseLogger;
  ttl?: { putSeconds?: number; partSeconds?: number };
  /** How long a photo counts as held by a sending client after its last progress or sign call. */
  senderLeaseMs?: number;
  /** Files one job may hold (config MAX_FILES_PER_JOB); the protocol's limit when unset. */
  maxFilesPerJob?: number;
  /** Stored bytes one job creation reads at most to hash photos on demand (config HASH_STORED_MAX_BYTES). */
  hashStoredMaxBytes?: number;
  /** The clock for sender leases and expiry (tests inject one). */
  now?: () => Date;
};

/**
 * A tab reports progress about once a second while it sends, and signs parts just before it sends
 * them; two minutes without either means no client is sending the photo any more.
 */
export const DEFAULT_SENDER_LEASE_MS = 2 * 60 * 1000;

// A PUT URL is handed out with the job and may wait behind hundreds of files in the client's queue.
const DEFAULT_PUT_TTL_SECONDS = 60 * 60;
// Part URLs are signed just before use, so they can be short-lived.
const DEFAULT_PART_TTL_SECONDS = 15 * 60;
// Storage calls at once for one request (starting or discarding many multipart uploads).
const STORAGE_CONCURRENCY = 16;

/** What every upload command stands on: the dependencies, ownership checks, transitions and the storage side. */
export type UploadContext = ReturnType<typeof createUploadContext>;

export function createUploadContext(deps: UploadServiceDeps) {
  const { db } = deps;
  const putTtl = deps.ttl?.putSeconds ?? DEFAULT_PUT_TTL_SECONDS;
  const partTtl = deps.ttl?.partSeconds ?? DEFAULT_PART_TTL_SECONDS;

  const now = deps.now ?? (() => new Date());
  const senderLeaseMs = deps.senderLeaseMs ?? DEFAULT_SENDER_LEASE_MS;

  return {
    ...deps,
    now,
    maxFilesPerJob: deps.maxFilesPerJob ?? MAX_FILES_PER_JOB,
    hashStoredMaxBytes: deps.hashStoredMaxBytes ?? DEFAULT_HASH_STORED_MAX_BYTES,
    /** The sender lease a call from the sending client sets. */
    leaseUntil: () => new Date(now().getTime() + senderLeaseMs),
    /**
     * A held lease is renewed only once less than half of it is left: a tab reports and finalizes
     * many times a minute, and rewriting every waiting photo's lease each time is all cost.
     */
    leaseRenewBefore: () => new Date(now().getTime() + senderLeaseMs / 2),
    ...createUploadStorage({ storage: deps.storage, logger: deps.logger, putTtl, partTtl }),

    /** Applies transitions in their own transaction (which publishes their events before commit). */
    transition: (jobId: string, transitions: Transition[], onIllegal: "throw" | "skip") =>
      db.transaction((tx) =>
        applyTransitions(tx, jobId, transitions, { onIllegal, publish: deps.publish, now: now() }),
      ),

    async ownedPhoto(userId: string, photoId: string): Promise<PhotoRow> {
      const [photo] = await db
        .select()
        .from(photos)
        .where(and(eq(photos.id, photoId), eq(photos.userId, userId)));
      // Someone else's photo is reported exactly like a missing one.
      if (!photo) throw new AppError("PHOTO_NOT_FOUND");
      return photo;
    },

    /** Which of these photos are the user's, in one query (someone else's is left out like a missing one). */
    async ownedPhotoIds(userId: string, photoIds: readonly string[]): Promise<Set<string>> {
      const rows = await db
        .select({ id: photos.id })
        .from(photos)
        .where(and(inArray(photos.id, [...photoIds]), eq(photos.userId, userId)));
      return new Set(rows.map((row) => row.id));
    },

    async ownedJob(userId: string, jobId: string): Promise<JobRow> {
      const [job] = await db
        .select()
        .from(uploadJobs)
        .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
      if (!job) throw new AppError("JOB_NOT_FOUND");
      return job;
    },

    /**
     * Runs `fn` over `items`, a few storage calls at a time. Every call runs to its end before the
     * first failure is thrown, so the caller knows everything that did start and can undo it.
     */
    async inStorage<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
      const limit = pLimit(STORAGE_CONCURRENCY);
      const results = await Promise.allSettled(items.map((item) => limit(() => fn(item))));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
