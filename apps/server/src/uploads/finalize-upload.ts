import {
  type FinalizeManyResponse,
  type FinalizeRefusal,
  type FinalizeRequest,
  type FinalizeResponse,
  isAwaitingBytes,
  isStored,
  type PhotoStatus,
} from "@rapidphoto/protocol";
import { and, eq, inArray } from "drizzle-orm";
import pLimit from "p-limit";
import { photos } from "../db/schema.js";
import { AppError, storageAppError } from "../http/app-error.js";
import { createKeyedLock } from "../storage/keyed-lock.js";
import { StorageError } from "../storage/storage.js";
import { holdJobLeases } from "./sender-lease.js";
import type { UploadContext } from "./upload-context.js";
import { uploadKey } from "./upload-storage.js";

/** A photo finalized, and the job whose other held photos stay held when this call stored it. */
export type Finalized = { response: FinalizeResponse; storedInJob: string | null };

/**
 * Finalize: moves the uploaded bytes to the photo's original key and hands the photo to
 * processing. A photo already stored (an earlier finalize whose answer was lost) answers as it is now.
 * `finalize` is one photo's command; `finalizeOne` does the same without the job-wide lease hold, which
 * a finalize of many runs once per job (finalize-many below).
 */
export function createFinalize(ctx: UploadContext) {
  const { db, storage } = ctx;
  // Finalizes of one photo run one at a time here (a client retrying a finalize whose answer was
  // lost), so a second one never moves the upload key again while the first is changing the status.
  const finalizing = createKeyedLock();

  /** `owned`: the caller has already checked the photo is the user's (finalize many, for all at once). */
  async function finalizeOne(
    userId: string,
    photoId: string,
    body: FinalizeRequest,
    owned = false,
  ): Promise<Finalized> {
    if (!owned) await ctx.ownedPhoto(userId, photoId); // someone else's photo waits for nobody's lock
    return finalizing(photoId, async (): Promise<Finalized> => {
      const photo = await ctx.ownedPhoto(userId, photoId);
      const asNow = (status: string): Finalized => ({
        response: { photoId, status: status as PhotoStatus },
        storedInJob: null,
      });
      if (isStored(photo.status as PhotoStatus)) return asNow(photo.status);
      if (!isAwaitingBytes(photo.status as PhotoStatus)) {
        throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status} and cannot be finalized again.`);
      }
      if (photo.uploadMethod === "PUT") {
        if (body.uploadId || body.parts) {
          throw new AppError("METHOD_MISMATCH", "This photo was uploaded with a single PUT; finalize it with {}.");
        }
      } else if (!(await storage.head(uploadKey(photo)))) {
        // (When the object is already there, an earlier finalize completed it and was cut short.)
        await ctx.completeParts(photo, body);
        // The multipart upload is gone once complete: a retry must start a new one.
        await db.update(photos).set({ uploadId: null }).where(eq(photos.id, photo.id));
      }
      const stored = await ctx.promoteUpload(photo);
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
        await ctx.transition(
          photo.jobId,
          [{ photoId, to: "PROCESSING", patch: { bytesSent: photo.bytes, nextAttemptAt: new Date(), attempts: 0 } }],
          "throw",
        );
      } catch (error) {
        // Another instance finalized it meanwhile: the same answer as if this one had.
        const now = await ctx.ownedPhoto(userId, photoId);
        if (error instanceof AppError && isStored(now.status as PhotoStatus)) return asNow(now.status);
        throw error;
      }
      ctx.onPhotosReady?.();
      return { response: { photoId, status: "PROCESSING" }, storedInJob: photo.jobId };
    });
  }

  async function finalize(userId: string, photoId: string, body: FinalizeRequest): Promise<FinalizeResponse> {
    const { response, storedInJob } = await finalizeOne(userId, photoId, body);
    // The tab that finalizes is alive and sending this job: its photos queued behind stay held.
    if (storedInJob) await holdJobLeases(ctx, storedInJob);
    return response;
  }

  /** Which of these photos are the user's, in one query (ownedPhoto would read each row alone). */
  async function ownedIds(userId: string, photoIds: readonly string[]): Promise<Set<string>> {
    const rows = await db
      .select({ id: photos.id })
      .from(photos)
      .where(and(inArray(photos.id, [...photoIds]), eq(photos.userId, userId)));
    return new Set(rows.map((row) => row.id));
  }

  return {
    finalize,
    finalizeMany: createFinalizeMany({ finalizeOne, ownedIds, holdJob: (jobId) => holdJobLeases(ctx, jobId) }),
  };
}

/**
 * Photos of one finalize-of-many that are finalized at once: each does a few queries and, on S3, a
 * copy; a handful keeps the storage busy without one request taking every database connection.
 */
const FINALIZE_MANY_CONCURRENCY = 4;

/**
 * Finalize of many single-PUT photos in one request: each is finalized exactly as on its own (its
 * lock, its checks, idempotent). A refusal (an AppError, or storage unavailable: a 503 the client
 * retries) is that photo's answer and the others go on. Any other failure (the database gone or a
 * lost race) fails the whole request: the error handler answers it as for one photo, and sending
 * the same request again is safe, the photos already finalized answering as they are. The jobs of
 * the photos stored here keep their other photos held once each, after the photos (on its own a
 * finalize does it per photo: a statement per photo of a batch, for the same effect), and whose
 * photos they are is read for all of them in one query before any waits for its photo's lock.
 */
export function createFinalizeMany(deps: {
  finalizeOne: (userId: string, photoId: string, body: FinalizeRequest, owned: boolean) => Promise<Finalized>;
  /** The user's photos among these (someone else's is refused as missing, without waiting for its lock). */
  ownedIds: (userId: string, photoIds: readonly string[]) => Promise<Set<string>>;
  holdJob: (jobId: string) => Promise<void>;
}) {
  const { finalizeOne, ownedIds, holdJob } = deps;
  return async function finalizeMany(userId: string, photoIds: readonly string[]): Promise<FinalizeManyResponse> {
    const limit = pLimit(FINALIZE_MANY_CONCURRENCY);
    const owned = await ownedIds(userId, photoIds);
    const storedInJobs = new Set<string>();
    const results = await Promise.all(
      photoIds.map((photoId) =>
        limit(async (): Promise<FinalizeResponse | FinalizeRefusal> => {
          try {
            if (!owned.has(photoId)) throw new AppError("PHOTO_NOT_FOUND");
            const { response, storedInJob } = await finalizeOne(userId, photoId, {}, true);
            if (storedInJob) storedInJobs.add(storedInJob);
            return response;
          } catch (error) {
            const refusal = asRefusal(error);
            if (!refusal) throw error;
            return { photoId, error: refusal };
          }
        }),
      ),
    );
    for (const jobId of storedInJobs) await holdJob(jobId);
    return { results };
  };
}

function asRefusal(error: unknown): FinalizeRefusal["error"] | null {
  const known =
    error instanceof StorageError && error.code === "UNAVAILABLE"
      ? storageAppError(error)
      : error instanceof AppError
        ? error
        : null;
  if (!known) return null;
  return {
    status: known.statusCode,
    code: known.code,
    message: known.message,
    ...(known.details === undefined ? {} : { details: known.details }),
  };
}
