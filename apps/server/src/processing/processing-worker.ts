import os from "node:os";
import type { JobEvent } from "@rapidphoto/protocol";
import { and, eq, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Db } from "../db/database.js";
import { isDatabaseUnavailable, isTransactionConflict } from "../db/database-errors.js";
import { photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { newId } from "../ids.js";
import { applyTransitions, type PhotoPatch } from "../photos/photo-transitions.js";
import { thumbnailKey } from "../photos/storage-keys.js";
import type { ObjectStorage } from "../storage/storage.js";
import { createHeicDecoder, ProcessingError, processImage } from "./image-pipeline.js";

export type WorkerOptions = {
  db: Db;
  storage: ObjectStorage;
  /** Called inside the transaction that made the change; never rejects. */
  publish: (event: JobEvent) => Promise<void>;
  logger: FastifyBaseLogger;
  /** Photos processed at once; sharp itself also uses every core per image. */
  concurrency?: number;
  /** How long a claim holds without renewal; a crashed worker's photos are taken again after it. */
  leaseMs?: number;
  /** Idle poll, for work finalized on other instances (local finalizes wake the worker at once). */
  pollMs?: number;
  maxAttempts?: number;
};

/** What became of a photo's result: recorded, or not ours to record (finish). */
type Outcome = "recorded" | "elsewhere" | "gone";

type Claimed = {
  id: string;
  jobId: string;
  userId: string;
  storageKey: string;
  mimeType: string;
  bytes: number;
  declaredSha256: string | null;
  attempts: number;
};

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_POLL_MS = 1_000;
// Transient failures (storage hiccups) are retried this many times in all before the photo fails.
const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 60_000;

export type ProcessingWorker = ReturnType<typeof createProcessingWorker>;

/**
 * Turns PROCESSING photos into COMPLETED or FAILED. Work is claimed in the database with
 * FOR UPDATE SKIP LOCKED and a renewable lease, so any number of workers on any number of
 * instances share it, and a photo whose worker died is taken again when the lease runs out.
 */
export function createProcessingWorker(opts: WorkerOptions) {
  const { db, storage, logger } = opts;
  const workerId = `worker_${os.hostname()}_${process.pid}_${newId("job").slice(4, 12)}`;
  const concurrency = opts.concurrency ?? Math.max(1, os.availableParallelism());
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const heic = createHeicDecoder();

  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let wakeUp: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  async function claim(limit: number): Promise<Claimed[]> {
    const result = await db.execute<Record<string, unknown>>(sql`
      update photos
         set lease_owner = ${workerId},
             lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}),
             attempts = attempts + 1,
             updated_at = now()
       where id in (
         select id from photos
          where status = 'PROCESSING'
            and (next_attempt_at is null or next_attempt_at <= now())
            and (lease_expires_at is null or lease_expires_at < now())
          order by next_attempt_at nulls first, id
          limit ${limit}
          for update skip locked)
      returning id, job_id, user_id, storage_key, mime_type, bytes, declared_sha256, attempts`);
    return (result as unknown as { rows: Record<string, unknown>[] }).rows.map((r) => ({
      id: String(r.id),
      jobId: String(r.job_id),
      userId: String(r.user_id),
      storageKey: String(r.storage_key),
      mimeType: String(r.mime_type),
      bytes: Number(r.bytes),
      declaredSha256: r.declared_sha256 == null ? null : String(r.declared_sha256),
      attempts: Number(r.attempts),
    }));
  }

  /** Extends our lease; false when the photo is no longer ours (cancelled, or taken after expiry). */
  async function renew(photoId: string): Promise<boolean> {
    const rows = await db
      .update(photos)
      .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
      .where(and(eq(photos.id, photoId), eq(photos.leaseOwner, workerId), eq(photos.status, "PROCESSING")))
      .returning({ id: photos.id });
    return rows.length > 0;
  }

  /**
   * Records the photo's result if it is still ours: still PROCESSING, under our lease. Otherwise says
   * whether anyone may use the thumbnails we wrote (their keys are the photo's own, the same for every
   * worker): "elsewhere" when another worker holds or recorded the photo after our lease ran out,
   * "gone" when it was cancelled, failed, or deleted meanwhile.
   */
  async function finish(photo: Claimed, to: "COMPLETED" | "FAILED", patch: PhotoPatch): Promise<Outcome> {
    try {
      return await db.transaction(async (tx) => {
        // applyTransitions locks the job row and then the photo's, as every change of a job's photos
        // takes them: a cancel of this photo locks the job and then waits for the photo, so taking the
        // photo first here would deadlock with it (worker-lock-order.test.ts). The lease is checked on
        // the locked row, in the same statements.
        const { changed, skipped } = await applyTransitions(
          tx,
          photo.jobId,
          [
            {
              photoId: photo.id,
              to,
              from: ["PROCESSING"],
              onlyIf: (current) => current.leaseOwner === workerId,
              patch: { ...patch, leaseOwner: null, leaseExpiresAt: null, nextAttemptAt: null },
            },
          ],
          { onIllegal: "skip", publish: opts.publish },
        );
        if (changed.length > 0) return "recorded";
        const status = skipped[0]?.status;
        return status === "PROCESSING" || status === "COMPLETED" ? "elsewhere" : "gone";
      });
    } catch (error) {
      // The photo's row, or its job's, was deleted while we worked (emptied from the trash).
      if (error instanceof AppError && (error.code === "PHOTO_NOT_FOUND" || error.code === "JOB_NOT_FOUND"))
        return "gone";
      throw error;
    }
  }

  async function release(photo: Claimed, delayMs: number) {
    await db
      .update(photos)
      .set({ leaseOwner: null, leaseExpiresAt: null, nextAttemptAt: new Date(Date.now() + delayMs) })
      .where(and(eq(photos.id, photo.id), eq(photos.leaseOwner, workerId)));
  }

  async function processOne(photo: Claimed): Promise<void> {
    const abort = new AbortController();
    const onStop = () => abort.abort(stopping.signal.reason);
    stopping.signal.addEventListener("abort", onStop, { once: true });
    const renewal = setInterval(() => {
      renew(photo.id).then(
        (ours) => ours || abort.abort(new Error("lease lost")),
        (error: unknown) => logger.warn({ err: error, photoId: photo.id }, "lease renewal failed"),
      );
    }, leaseMs / 3);
    try {
      const result = await processImage({
        read: () => storage.read(photo.storageKey),
        expectedBytes: photo.bytes,
        expectedSha256: photo.declaredSha256,
        heic,
        signal: abort.signal,
      });
      const small = thumbnailKey(photo.userId, photo.id, "small");
      const large = thumbnailKey(photo.userId, photo.id, "large");
      await storage.write(small, result.thumbnails.small, { contentType: "image/webp" });
      await storage.write(large, result.thumbnails.large, { contentType: "image/webp" });
      abort.signal.throwIfAborted();
      const outcome = await finish(photo, "COMPLETED", {
        // The bytes decide: a PNG uploaded as image/jpeg is recorded, and downloaded, as a PNG.
        mimeType: result.mimeType,
        checksum: result.sha256,
        width: result.width,
        height: result.height,
        takenAt: result.takenAt,
        exif: result.exif,
        thumbSmallKey: small,
        thumbLargeKey: large,
        errorMessage: null,
      });
      if (outcome !== "recorded") {
        // Cancelled or deleted while we worked: its original is gone, so its thumbnails should be too.
        // Not when another worker took the photo after our lease ran out: it writes (or wrote) the
        // same keys, and its COMPLETED photo shows them.
        if (outcome === "gone") await Promise.all([storage.delete(small), storage.delete(large)]).catch(() => {});
        // Said once everything for the photo is done: a lease lost this way means a worker too slow
        // for WORKER_LEASE_SECONDS.
        logger.info({ photoId: photo.id, outcome }, "processing result not recorded: the photo changed meanwhile");
      }
    } catch (error) {
      if (abort.signal.aborted) {
        // Shutdown or a lost lease: hand the photo back at once so another worker takes it.
        await release(photo, 0).catch(() => {});
        return;
      }
      if (isDatabaseUnavailable(error)) {
        // The photo is fine; the database connection was lost while recording the result. Never
        // fail a photo for that: hand it back (or, if that fails too, its lease runs out).
        logger.warn({ photoId: photo.id, err: error }, "database unavailable while processing; photo handed back");
        await release(photo, 0).catch(() => {});
        return;
      }
      if (isTransactionConflict(error)) {
        // Recording the result lost a race (a deadlock or serialization failure PostgreSQL resolved
        // by aborting this side): the photo is fine, so it is not a failed attempt. Hand it back
        // after the first backoff step (about a second, jittered, so the two sides do not meet
        // again in step, and a race that keeps recurring is no busy loop); the next try writes the
        // same thumbnail keys again.
        logger.warn({ photoId: photo.id, err: error }, "processing result lost a database race; photo handed back");
        await release(photo, backoffMs(1)).catch(() => {});
        return;
      }
      const permanent = error instanceof ProcessingError && error.permanent;
      if (permanent || photo.attempts >= maxAttempts) {
        const message =
          error instanceof ProcessingError ? error.message : "We could not process this photo. Try uploading it again.";
        logger.info({ photoId: photo.id, attempts: photo.attempts, err: error }, "photo processing failed");
        await finish(photo, "FAILED", {
          errorMessage: permanent ? message : `${message} (gave up after ${photo.attempts} tries)`,
        });
      } else {
        const delay = backoffMs(photo.attempts);
        logger.warn(
          { photoId: photo.id, attempts: photo.attempts, retryInMs: delay, err: error },
          "photo processing will be retried",
        );
        await release(photo, delay);
      }
    } finally {
      clearInterval(renewal);
      stopping.signal.removeEventListener("abort", onStop);
    }
  }

  async function run() {
    while (!stopping.signal.aborted) {
      const free = concurrency - inFlight.size;
      let claimed: Claimed[] = [];
      if (free > 0) {
        try {
          claimed = await claim(free);
        } catch (error) {
          if (stopping.signal.aborted) break;
          logger.error({ err: error }, "could not claim photos to process");
        }
      }
      for (const photo of claimed) {
        const task = processOne(photo).catch((error: unknown) =>
          logger.error({ err: error, photoId: photo.id }, "processing crashed"),
        );
        const tracked = task.finally(() => {
          inFlight.delete(tracked);
          wakeUp?.();
        });
        inFlight.add(tracked);
      }
      if (claimed.length > 0 && inFlight.size < concurrency) continue; // there may be more waiting
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          // Removed on every wake, or each idle poll would leave a listener behind on the stop signal.
          stopping.signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        wakeUp = done;
        stopping.signal.addEventListener("abort", done, { once: true });
      });
      wakeUp = null;
    }
  }

  return {
    id: workerId,
    start() {
      loop ??= run();
    },
    /** New work is waiting (a local finalize); look now instead of at the next poll. */
    wake() {
      wakeUp?.();
    },
    /** Stops claiming, aborts in-flight photos and hands them back. */
    async stop() {
      stopping.abort(new Error("worker stopping"));
      await loop;
      await Promise.allSettled([...inFlight]);
      await heic.close();
    },
  };
}

/** Exponential backoff with ±20% jitter so retries from many photos do not line up. */
export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
