import {
  AWAITING_BYTES_STATUSES,
  type CreateJobRequest,
  type CreateJobResponse,
  emptyCounts,
  type FinalizeRequest,
  type FinalizeResponse,
  isAwaitingBytes,
  isStored,
  type JobEvent,
  type JobStatus,
  type PhotoStatus,
  type ProgressRequest,
  partRange,
  planPartSize,
  SINGLE_PUT_MAX_BYTES,
  type SignPartsResponse,
  type UploadItem,
} from "@rapidphoto/protocol";
import { and, eq, inArray, lt, notInArray } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { newId } from "../ids.js";
import {
  applyTransitions,
  jobMessage,
  photoMessage,
  recordBytes,
  type Transition,
} from "../photos/photo-transitions.js";
import { originalKey } from "../photos/storage-keys.js";
import { createKeyedLock } from "../storage/keyed-lock.js";
import type { ObjectStorage, StoredPart } from "../storage/storage.js";
import { mapLimit } from "./map-limit.js";
import { checkPartNumbers, createUploadStorage, uploadKey } from "./upload-storage.js";

export type UploadServiceDeps = {
  db: Db;
  storage: ObjectStorage;
  /** Called inside the transaction that made the change (job row locked), so events leave in seq order. Never rejects. */
  publish: (event: JobEvent) => Promise<void>;
  /** Tells a local worker there is work now, so it need not wait for its next poll. */
  onPhotosReady?: () => void;
  logger: FastifyBaseLogger;
  ttl?: { putSeconds?: number; partSeconds?: number };
};

// A PUT URL is handed out with the job and may wait behind hundreds of files in the client's queue.
const DEFAULT_PUT_TTL_SECONDS = 60 * 60;
// Part URLs are signed just before use, so they can be short-lived.
const DEFAULT_PART_TTL_SECONDS = 15 * 60;
// Parallel CreateMultipartUpload calls when a job has many large files.
const STORAGE_CONCURRENCY = 16;
const ROWS_PER_INSERT = 500;

export type UploadService = ReturnType<typeof createUploadService>;

export function createUploadService(deps: UploadServiceDeps) {
  const { db, storage, logger } = deps;
  const putTtl = deps.ttl?.putSeconds ?? DEFAULT_PUT_TTL_SECONDS;
  const partTtl = deps.ttl?.partSeconds ?? DEFAULT_PART_TTL_SECONDS;

  const { uploadItem, discardUpload, promoteUpload, storedParts, completeParts } = createUploadStorage({
    storage,
    logger,
    putTtl,
  });
  // Finalizes of one photo run one at a time here (a client retrying a finalize whose answer was
  // lost), so a second one never moves the upload key again while the first is changing the status.
  const finalizing = createKeyedLock();

  /** Applies transitions in their own transaction (which publishes their events before commit). */
  const transition = (jobId: string, transitions: Transition[], onIllegal: "throw" | "skip") =>
    db.transaction((tx) => applyTransitions(tx, jobId, transitions, { onIllegal, publish: deps.publish }));

  async function ownedPhoto(userId: string, photoId: string): Promise<PhotoRow> {
    const [photo] = await db
      .select()
      .from(photos)
      .where(and(eq(photos.id, photoId), eq(photos.userId, userId)));
    // Someone else's photo is reported exactly like a missing one.
    if (!photo) throw new AppError("PHOTO_NOT_FOUND");
    return photo;
  }

  async function ownedJob(userId: string, jobId: string) {
    const [job] = await db
      .select()
      .from(uploadJobs)
      .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
    if (!job) throw new AppError("JOB_NOT_FOUND");
    return job;
  }

  return {
    async createJob(userId: string, request: CreateJobRequest): Promise<CreateJobResponse> {
      const jobId = newId("job");
      const now = new Date();
      const rows = request.files.map((file, position) => {
        const id = newId("ph");
        const multipart = file.bytes > SINGLE_PUT_MAX_BYTES;
        return {
          id,
          jobId,
          userId,
          clientId: file.clientId ?? null,
          position,
          filename: file.filename,
          mimeType: file.mimeType,
          bytes: file.bytes,
          status: "QUEUED",
          storageKey: originalKey(userId, id),
          uploadMethod: multipart ? "MULTIPART" : "PUT",
          uploadId: null as string | null,
          partSize: multipart ? planPartSize(file.bytes) : null,
          createdAt: now,
          updatedAt: now,
        };
      });

      const job: JobRow = {
        id: jobId,
        userId,
        status: "QUEUED",
        seq: 1,
        ...emptyCounts(),
        totalCount: rows.length,
        queuedCount: rows.length,
        totalBytes: rows.reduce((sum, r) => sum + r.bytes, 0),
        createdAt: now,
        updatedAt: now,
      };

      // Storage first: if any multipart upload cannot be started, undo the ones that were and create nothing.
      const multiparts = rows.filter((r) => r.uploadMethod === "MULTIPART");
      const started: { row: (typeof rows)[number]; uploadId: string }[] = [];
      try {
        await mapLimit(multiparts, STORAGE_CONCURRENCY, async (row) => {
          const { uploadId } = await storage.createMultipart(uploadKey(row), { contentType: row.mimeType });
          row.uploadId = uploadId;
          started.push({ row, uploadId });
        });
        await db.transaction(async (tx) => {
          await tx.insert(uploadJobs).values(job);
          for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
            await tx.insert(photos).values(rows.slice(i, i + ROWS_PER_INSERT));
          }
        });
      } catch (error) {
        await mapLimit(started, STORAGE_CONCURRENCY, (s) => discardUpload(s.row, s.uploadId));
        throw error;
      }

      const items = await Promise.all(rows.map((row) => uploadItem(row as PhotoRow)));
      await deps.publish({
        userId,
        kind: "status",
        message: jobMessage(job, now),
      });
      return { jobId, items };
    },

    /** Signs part URLs just before the client sends them. */
    async signParts(userId: string, photoId: string, partNumbers: number[]): Promise<SignPartsResponse> {
      const photo = await ownedPhoto(userId, photoId);
      if (photo.uploadMethod !== "MULTIPART" || !photo.uploadId || !photo.partSize) {
        throw new AppError("METHOD_MISMATCH", "This photo is uploaded with a single PUT; it has no parts.");
      }
      if (!isAwaitingBytes(photo.status as PhotoStatus)) {
        throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status}; its parts can no longer be uploaded.`);
      }
      checkPartNumbers(photo, partNumbers, "partNumbers");
      const urls = await Promise.all(
        partNumbers.map(async (partNumber) => {
          const { start, end } = partRange(photo.bytes, photo.partSize as number, partNumber);
          const signed = await storage.presignPart(uploadKey(photo), photo.uploadId as string, partNumber, {
            expiresInSec: partTtl,
            maxBytes: end - start,
          });
          return { partNumber, url: signed.url, expiresAt: signed.expiresAt.toISOString() };
        }),
      );
      return { urls };
    },

    /** A fresh item for a photo still being uploaded (its PUT URL expired, or the client lost it). */
    async sign(userId: string, photoId: string): Promise<UploadItem> {
      const photo = await ownedPhoto(userId, photoId);
      if (!isAwaitingBytes(photo.status as PhotoStatus)) {
        throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status}; it is not waiting for an upload.`);
      }
      await db.update(photos).set({ updatedAt: new Date() }).where(eq(photos.id, photo.id));
      if (photo.uploadMethod === "PUT") return uploadItem(photo);
      const parts = await storedParts(photo);
      if (parts) return uploadItem(photo, parts);
      // Storage no longer knows the upload (expired, swept, or completed with bad parts): start over.
      const { uploadId } = await storage.createMultipart(uploadKey(photo), { contentType: photo.mimeType });
      const [updated] = await db
        .update(photos)
        .set({ uploadId, bytesSent: 0, updatedAt: new Date() })
        .where(and(eq(photos.id, photo.id), inArray(photos.status, [...AWAITING_BYTES_STATUSES])))
        .returning();
      if (!updated) {
        await discardUpload(photo, uploadId);
        throw new AppError("ILLEGAL_TRANSITION", "The photo changed status while it was being signed.");
      }
      return uploadItem(updated, []);
    },

    /**
     * Moves the uploaded bytes to the photo's original key and hands the photo to processing. A
     * photo already stored (an earlier finalize whose answer was lost) answers as it is now.
     */
    async finalize(userId: string, photoId: string, body: FinalizeRequest): Promise<FinalizeResponse> {
      await ownedPhoto(userId, photoId); // someone else's photo waits for nobody's lock
      return finalizing(photoId, async () => {
        const photo = await ownedPhoto(userId, photoId);
        if (isStored(photo.status as PhotoStatus)) return { photoId, status: photo.status as PhotoStatus };
        if (!isAwaitingBytes(photo.status as PhotoStatus)) {
          throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status} and cannot be finalized again.`);
        }
        if (photo.uploadMethod === "PUT") {
          if (body.uploadId || body.parts) {
            throw new AppError("METHOD_MISMATCH", "This photo was uploaded with a single PUT; finalize it with {}.");
          }
        } else if (!(await storage.head(uploadKey(photo)))) {
          // (When the object is already there, an earlier finalize completed it and was cut short.)
          await completeParts(photo, body);
          // The multipart upload is gone once complete: a retry must start a new one.
          await db.update(photos).set({ uploadId: null }).where(eq(photos.id, photo.id));
        }
        const stored = await promoteUpload(photo);
        if (!stored || stored.size !== photo.bytes) {
          throw new AppError(
            "UPLOAD_INCOMPLETE",
            stored
              ? `The stored object has ${stored.size} bytes; ${photo.bytes} were expected.`
              : "Nothing has been uploaded for this photo yet.",
            { expectedBytes: photo.bytes, storedBytes: stored?.size ?? 0 },
          );
        }
        try {
          await transition(
            photo.jobId,
            [{ photoId, to: "PROCESSING", patch: { bytesSent: photo.bytes, nextAttemptAt: new Date(), attempts: 0 } }],
            "throw",
          );
        } catch (error) {
          // Another instance finalized it meanwhile: the same answer as if this one had.
          const now = await ownedPhoto(userId, photoId);
          if (error instanceof AppError && isStored(now.status as PhotoStatus))
            return { photoId, status: now.status as PhotoStatus };
          throw error;
        }
        deps.onPhotosReady?.();
        return { photoId, status: "PROCESSING" as const };
      });
    },

    async reportProgress(userId: string, request: ProgressRequest) {
      await ownedJob(userId, request.jobId);
      const ids = [...new Set(request.updates.map((u) => u.photoId))];
      const rows = await db
        .select()
        .from(photos)
        .where(and(eq(photos.jobId, request.jobId), inArray(photos.id, ids)));
      if (rows.length !== ids.length) throw new AppError("PHOTO_NOT_FOUND", "Some photos are not part of this job.");
      const byId = new Map(rows.map((r) => [r.id, r]));

      const accepted: string[] = [];
      const ignored: { photoId: string; status: PhotoStatus }[] = [];
      const latest = new Map<string, number>();
      for (const u of request.updates) {
        const photo = byId.get(u.photoId) as PhotoRow;
        if (!isAwaitingBytes(photo.status as PhotoStatus)) {
          ignored.push({ photoId: u.photoId, status: photo.status as PhotoStatus });
          continue;
        }
        // bytesTotal is the client's view; never record more than the photo really has.
        latest.set(u.photoId, Math.max(latest.get(u.photoId) ?? 0, Math.min(u.bytesSent, photo.bytes)));
      }
      if (latest.size === 0) {
        throw new AppError("ILLEGAL_TRANSITION", "These photos are no longer uploading.", { ignored });
      }

      await db.transaction(async (tx) => {
        // Lock the job first, as every status change does: the seq read below is then current,
        // and these events leave before any later change's.
        const [job] = await tx
          .select({ seq: uploadJobs.seq })
          .from(uploadJobs)
          .where(eq(uploadJobs.id, request.jobId))
          .for("update");
        let seq = job?.seq ?? 0;
        const starting = [...latest].filter(([id]) => byId.get(id)?.status === "QUEUED");
        if (starting.length) {
          const result = await applyTransitions(
            tx,
            request.jobId,
            starting.map(([photoId, bytesSent]) => ({
              photoId,
              to: "UPLOADING",
              from: ["QUEUED"],
              patch: { bytesSent },
            })),
            { onIllegal: "skip", publish: deps.publish },
          );
          seq = result.job.seq;
        }
        const now = new Date();
        for (const row of await recordBytes(tx, latest)) {
          if (row.status !== "UPLOADING") continue;
          accepted.push(row.id);
          await deps.publish({ userId, kind: "progress", message: photoMessage(row, seq, now) });
        }
      });
      return { accepted: accepted.length, ignored };
    },

    async cancelPhoto(userId: string, photoId: string) {
      const photo = await ownedPhoto(userId, photoId);
      const { changed } = await transition(
        photo.jobId,
        [{ photoId, to: "CANCELLED", patch: { uploadId: null } }],
        "throw",
      );
      await discardUpload(photo, photo.uploadId);
      return { photoId, status: (changed[0]?.status ?? "CANCELLED") as PhotoStatus };
    },

    async cancelJob(
      userId: string,
      jobId: string,
    ): Promise<{ jobId: string; status: JobStatus; cancelledCount: number }> {
      await ownedJob(userId, jobId);
      const open = await db
        .select()
        .from(photos)
        .where(and(eq(photos.jobId, jobId), notInArray(photos.status, ["COMPLETED", "FAILED", "CANCELLED"])));
      if (open.length === 0) throw new AppError("ILLEGAL_TRANSITION", "Every photo in this job has already finished.");
      const { job, changed } = await transition(
        jobId,
        open.map((p) => ({ photoId: p.id, to: "CANCELLED" as const, patch: { uploadId: null } })),
        "skip", // a photo that completed meanwhile stays completed
      );
      const cancelled = new Set(changed.map((c) => c.id));
      await mapLimit(
        open.filter((p) => cancelled.has(p.id)),
        STORAGE_CONCURRENCY,
        (p) => discardUpload(p, p.uploadId),
      );
      return { jobId, status: job.status as JobStatus, cancelledCount: changed.length };
    },

    /**
     * Fails photos whose upload was abandoned (no progress, finalize or sign for `olderThanMs`), so
     * their jobs finish and their half-uploaded parts are removed. Safe to run on every instance.
     */
    async expireStaleUploads(olderThanMs: number, limit = 500): Promise<number> {
      const stale = await db
        .select()
        .from(photos)
        .where(
          and(
            inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
            lt(photos.updatedAt, new Date(Date.now() - olderThanMs)),
          ),
        )
        .limit(limit);
      const byJob = new Map<string, PhotoRow[]>();
      for (const p of stale) byJob.set(p.jobId, [...(byJob.get(p.jobId) ?? []), p]);
      let expired = 0;
      for (const [jobId, rows] of byJob) {
        const { changed } = await transition(
          jobId,
          rows.map((p) => ({
            photoId: p.id,
            to: "FAILED" as const,
            from: AWAITING_BYTES_STATUSES,
            patch: { uploadId: null, errorMessage: "The upload did not finish in time. Retry to send it again." },
          })),
          "skip",
        );
        const failed = new Set(changed.map((c) => c.id));
        await mapLimit(
          rows.filter((p) => failed.has(p.id)),
          STORAGE_CONCURRENCY,
          (p) => discardUpload(p, p.uploadId),
        );
        expired += changed.length;
      }
      return expired;
    },

    /** FAILED or CANCELLED → QUEUED with a fresh item; a multipart retry lists the parts already stored. */
    async retryPhoto(userId: string, photoId: string): Promise<UploadItem> {
      const photo = await ownedPhoto(userId, photoId);
      if (photo.trashedAt) throw new AppError("PHOTO_IN_TRASH");
      if (photo.status !== "FAILED" && photo.status !== "CANCELLED") {
        throw new AppError(
          "ILLEGAL_TRANSITION",
          `The photo is ${photo.status}; only failed or cancelled photos can be retried.`,
        );
      }
      let uploadId = photo.uploadId;
      let parts: StoredPart[] | undefined;
      let fresh: string | null = null;
      if (photo.uploadMethod === "MULTIPART") {
        parts = (await storedParts(photo)) ?? undefined;
        if (!parts) {
          fresh = (await storage.createMultipart(uploadKey(photo), { contentType: photo.mimeType })).uploadId;
          uploadId = fresh;
          parts = [];
        }
      }
      const bytesSent = parts?.reduce((sum, p) => sum + p.size, 0) ?? 0;
      try {
        const { changed } = await transition(
          photo.jobId,
          [
            {
              photoId,
              to: "QUEUED",
              patch: { uploadId, bytesSent, errorMessage: null, attempts: 0, leaseOwner: null, leaseExpiresAt: null },
            },
          ],
          "throw",
        );
        return uploadItem(changed[0] as PhotoRow, parts);
      } catch (error) {
        if (fresh) await discardUpload(photo, fresh);
        throw error;
      }
    },
  };
}
