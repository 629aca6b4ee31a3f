import {
  COUNT_FIELD,
  type DeleteResponse,
  deriveJobStatus,
  type PhotoStatus,
  type RestoreResponse,
  type TrashResponse,
} from "@rapidphoto/protocol";
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { FastifyBaseLogger } from "fastify";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError, storageAppError } from "../http/app-error.js";
import { countsOf } from "../photos/push-messages.js";
import { stagingKey } from "../photos/storage-keys.js";
import { type ObjectStorage, StorageError } from "../storage/storage.js";

/** Photos that may go to Trash: finished ones. An upload in progress is cancelled, not trashed. */
const TRASHABLE_STATUSES = ["COMPLETED", "FAILED"];
// Objects of this many photos are removed at once: enough to keep S3 busy, few enough not to flood it.
const PURGE_CONCURRENCY = 8;
/** How often Trash is emptied of photos past their retention (and interrupted purges finished). */
export const TRASH_SWEEP_CHECK_MS = 60 * 60 * 1000;

// A purge still marked after this long was interrupted (storage failed, the process died): the sweep retries it.
const STALE_PURGE_MS = 10 * 60 * 1000;
const SWEEP_BATCH = 500;

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export type TrashService = ReturnType<typeof createTrashService>;

/**
 * Trash, restore and delete forever. A selection is judged whole: one id that is missing or
 * another user's is a 404, one photo in the wrong state a 409, and then nothing changes.
 *
 * Delete forever never leaves a photo half there: the rows are first marked purging (no restore from
 * then on), then every object goes from storage, and only then the row. Storage failing midway
 * answers 503 and leaves the photo in Trash, marked; asking again, emptying Trash or the sweep
 * finishes it (deleting a missing object is not an error).
 */
export function createTrashService({
  db,
  storage,
  logger,
}: {
  db: Db;
  storage: ObjectStorage;
  logger: FastifyBaseLogger;
}) {
  /** Locks the caller's photos among `ids`; 404 unless every one of them is there. */
  async function lockOwned(tx: Tx, userId: string, ids: string[]): Promise<PhotoRow[]> {
    const rows = await tx
      .select()
      .from(photos)
      .where(and(eq(photos.userId, userId), inArray(photos.id, ids)))
      .orderBy(photos.id) // the order every lock of several photos takes (photo-transitions.ts)
      .for("update");
    if (rows.length !== ids.length) {
      const found = new Set(rows.map((r) => r.id));
      throw new AppError("PHOTO_NOT_FOUND", undefined, { photoIds: ids.filter((id) => !found.has(id)) });
    }
    return rows;
  }

  function refuse(code: "NOT_TRASHABLE" | "NOT_IN_TRASH" | "PHOTO_BEING_DELETED", rows: PhotoRow[]): void {
    if (rows.length) throw new AppError(code, undefined, { photoIds: rows.map((r) => r.id) });
  }

  /** Removes every object of one photo, then its row. Idempotent: a retry after a failure finishes. */
  async function purgeOne(photo: PhotoRow): Promise<void> {
    const keys = [photo.storageKey, stagingKey(photo.userId, photo.id), photo.thumbSmallKey, photo.thumbLargeKey];
    await Promise.all([
      ...keys.filter((k): k is string => Boolean(k)).map((k) => storage.delete(k)),
      // A photo that failed mid-multipart may still hold parts.
      photo.uploadId ? storage.abortMultipart(stagingKey(photo.userId, photo.id), photo.uploadId) : undefined,
    ]);
    await db.transaction(async (tx) => {
      const [job] = await tx.select().from(uploadJobs).where(eq(uploadJobs.id, photo.jobId)).for("update");
      const [gone] = await tx
        .delete(photos)
        .where(and(eq(photos.id, photo.id), isNotNull(photos.purgingSince)))
        .returning();
      // The job's counts keep describing the photos it still has (a retry that finds the row gone changes nothing).
      if (job && gone) await tx.update(uploadJobs).set(withoutPhoto(job, gone)).where(eq(uploadJobs.id, job.id));
    });
  }

  /** Purges marked photos; every photo is attempted, the first storage failure is reported after. */
  async function purge(rows: PhotoRow[]): Promise<number> {
    let deleted = 0;
    let failure: unknown;
    for (let i = 0; i < rows.length; i += PURGE_CONCURRENCY) {
      const results = await Promise.allSettled(rows.slice(i, i + PURGE_CONCURRENCY).map(purgeOne));
      for (const r of results) {
        if (r.status === "fulfilled") deleted++;
        else failure ??= r.reason;
      }
    }
    if (failure !== undefined) {
      logger.warn({ err: failure, deleted, left: rows.length - deleted }, "delete forever interrupted; kept marked");
      throw failure instanceof StorageError ? storageAppError(failure) : failure;
    }
    return deleted;
  }

  /** Marks `rows` purging (keeping an earlier mark) and returns them as marked. */
  async function markPurging(tx: Tx, ids: string[]): Promise<PhotoRow[]> {
    if (!ids.length) return [];
    return tx
      .update(photos)
      .set({ purgingSince: sql`coalesce(${photos.purgingSince}, now())` })
      .where(inArray(photos.id, ids))
      .returning();
  }

  return {
    async trash(userId: string, ids: string[]): Promise<TrashResponse> {
      return db.transaction(async (tx) => {
        const rows = await lockOwned(tx, userId, ids);
        refuse(
          "NOT_TRASHABLE",
          rows.filter((r) => !TRASHABLE_STATUSES.includes(r.status)),
        );
        const now = new Date();
        // Already in Trash: left as it is (the same request sent twice moves nothing twice).
        await tx
          .update(photos)
          .set({ trashedAt: now })
          .where(and(inArray(photos.id, ids), isNull(photos.trashedAt)));
        return { photoIds: ids, trashedAt: now.toISOString() };
      });
    },

    async restore(userId: string, ids: string[]): Promise<RestoreResponse> {
      return db.transaction(async (tx) => {
        const rows = await lockOwned(tx, userId, ids);
        refuse(
          "PHOTO_BEING_DELETED",
          rows.filter((r) => r.purgingSince),
        );
        await tx.update(photos).set({ trashedAt: null }).where(inArray(photos.id, ids));
        return { photoIds: ids };
      });
    },

    async deleteForever(userId: string, ids: string[]): Promise<DeleteResponse> {
      const marked = await db.transaction(async (tx) => {
        const rows = await lockOwned(tx, userId, ids);
        refuse(
          "NOT_IN_TRASH",
          rows.filter((r) => !r.trashedAt),
        );
        return markPurging(tx, ids);
      });
      return { deleted: await purge(marked) };
    },

    async emptyTrash(userId: string): Promise<DeleteResponse> {
      const marked = await db.transaction(async (tx) => {
        const rows = await tx
          .select({ id: photos.id })
          .from(photos)
          .where(and(eq(photos.userId, userId), isNotNull(photos.trashedAt)))
          .orderBy(photos.id)
          .for("update");
        return markPurging(
          tx,
          rows.map((r) => r.id),
        );
      });
      return { deleted: await purge(marked) };
    },

    /**
     * Deletes forever what has been in Trash longer than `retentionMs` (every user's), and finishes
     * purges that were interrupted. Resolves to how many photos went.
     */
    async sweep(retentionMs: number): Promise<number> {
      let total = 0;
      for (;;) {
        const now = Date.now();
        const marked = await db.transaction(async (tx) => {
          const due = await tx
            .select({ id: photos.id })
            .from(photos)
            .where(
              or(
                lt(photos.trashedAt, new Date(now - retentionMs)),
                lt(photos.purgingSince, new Date(now - STALE_PURGE_MS)),
              ),
            )
            .limit(SWEEP_BATCH)
            .for("update", { skipLocked: true });
          return markPurging(
            tx,
            due.map((r) => r.id),
          );
        });
        total += await purge(marked);
        if (marked.length < SWEEP_BATCH) return total;
      }
    },
  };
}

/**
 * A job's row once one of its photos is deleted forever: one fewer in the total and in the photo's
 * status, its bytes gone, a seq bump (clients watching it see a gap and refetch the view). A job
 * left with no photos keeps the status it finished with rather than looking freshly queued.
 */
function withoutPhoto(job: JobRow, photo: PhotoRow) {
  const counts = countsOf(job);
  counts.totalCount -= 1;
  counts[COUNT_FIELD[photo.status as PhotoStatus]] -= 1;
  const status = counts.totalCount > 0 ? deriveJobStatus(counts) : job.status;
  return {
    ...counts,
    status,
    totalBytes: Math.max(0, job.totalBytes - photo.bytes),
    seq: job.seq + 1,
    updatedAt: new Date(),
  };
}
