import {
  type FinalizeManyResponse,
  type FinalizeRefusal,
  type FinalizeRequest,
  type FinalizeResponse,
  isAwaitingBytes,
  isStored,
  type PhotoStatus,
} from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import pLimit from "p-limit";
import { type PhotoRow, photos } from "../db/schema.js";
import { AppError, storageAppError } from "../http/app-error.js";
import type { Transition } from "../photos/photo-transitions.js";
import { createKeyedLock, type KeyedLock } from "../storage/keyed-lock.js";
import { StorageError } from "../storage/storage.js";
import { holdJobLeases } from "./sender-lease.js";
import type { UploadContext } from "./upload-context.js";
import { uploadKey } from "./upload-storage.js";

/** A photo finalized, and the job whose other held photos stay held when this call stored it. */
type Finalized = { response: FinalizeResponse; storedInJob: string | null };

/** A photo checked and its bytes in place, ready to hand to processing; or its answer as it is now. */
export type Staged = { photo: PhotoRow } | { answer: FinalizeResponse };

/**
 * The answer of a photo no longer waiting for its bytes: stored (an earlier finalize whose answer
 * was lost, or another one meanwhile), it answers as it is; anything else (failed, cancelled) is
 * refused. Both before the checks and for a photo a transition found changed meanwhile.
 */
export function answerAsNow(photoId: string, status: PhotoStatus): FinalizeResponse {
  if (!isStored(status)) {
    throw new AppError("ILLEGAL_TRANSITION", `The photo is ${status} and cannot be finalized again.`);
  }
  return { photoId, status };
}

/**
 * Finalize: moves the uploaded bytes to the photo's original key and hands the photo to
 * processing. A photo already stored (an earlier finalize whose answer was lost) answers as it is now.
 * `finalize` is one photo's command; `finalizeMany` the same for many single-PUT photos at once.
 */
export function createFinalize(ctx: UploadContext) {
  const { db, storage } = ctx;
  // Finalizes of one photo run one at a time here (a client retrying a finalize whose answer was
  // lost), so a second one never moves the upload key again while the first is changing the status.
  const finalizing = createKeyedLock();

  /** The checks and the move of the bytes into place; run under the photo's lock. */
  async function stage(userId: string, photoId: string, body: FinalizeRequest): Promise<Staged> {
    const photo = await ctx.ownedPhoto(userId, photoId);
    const status = photo.status as PhotoStatus;
    if (!isAwaitingBytes(status)) return { answer: answerAsNow(photoId, status) };
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
    return { photo };
  }

  /**
   * Hands staged photos of one job to processing in one transition; returns the ids it moved. One it
   * did not move was changed meanwhile (another instance finalized it, or it was cancelled).
   */
  async function toProcessing(jobId: string, staged: PhotoRow[]): Promise<Set<string>> {
    const transitions = staged.map(
      (photo): Transition => ({
        photoId: photo.id,
        to: "PROCESSING",
        patch: { bytesSent: photo.bytes, nextAttemptAt: new Date(), attempts: 0 },
      }),
    );
    const { changed } = await ctx.transition(jobId, transitions, "skip");
    if (changed.length > 0) ctx.onPhotosReady?.();
    return new Set(changed.map((photo) => photo.id));
  }

  const statusNow = async (userId: string, photoId: string) =>
    (await ctx.ownedPhoto(userId, photoId)).status as PhotoStatus;

  async function finalize(userId: string, photoId: string, body: FinalizeRequest): Promise<FinalizeResponse> {
    await ctx.ownedPhoto(userId, photoId); // someone else's photo waits for nobody's lock
    const { response, storedInJob } = await finalizing(photoId, async (): Promise<Finalized> => {
      const staged = await stage(userId, photoId, body);
      if ("answer" in staged) return { response: staged.answer, storedInJob: null };
      const { jobId } = staged.photo;
      if (!(await toProcessing(jobId, [staged.photo])).has(photoId)) {
        return { response: answerAsNow(photoId, await statusNow(userId, photoId)), storedInJob: null };
      }
      return { response: { photoId, status: "PROCESSING" }, storedInJob: jobId };
    });
    // The tab that finalizes is alive and sending this job: its photos queued behind stay held.
    if (storedInJob) await holdJobLeases(ctx, storedInJob);
    return response;
  }

  return {
    finalize,
    finalizeMany: createFinalizeMany({
      ownedIds: ctx.ownedPhotoIds,
      withLocks: (photoIds, work) => withLocks(finalizing, photoIds, work),
      stage,
      toProcessing,
      statusNow,
      holdJob: (jobId) => holdJobLeases(ctx, jobId),
    }),
  };
}

/** Runs `work` holding every key's lock, taken one after another in the order given. */
export function withLocks<T>(lock: KeyedLock, keys: readonly string[], work: () => Promise<T>): Promise<T> {
  const [first, ...rest] = keys;
  return first === undefined ? work() : lock(first, () => withLocks(lock, rest, work));
}

/**
 * Photos of one finalize-of-many that are checked and moved at once: each does a few queries and, on
 * S3, a copy; a handful keeps the storage busy without one request taking every database connection.
 */
const FINALIZE_MANY_CONCURRENCY = 4;

export type FinalizeManyDeps = {
  /** The user's photos among these: someone else's is refused as missing, before any lock. */
  ownedIds(userId: string, photoIds: readonly string[]): Promise<Set<string>>;
  /** Runs `work` holding the lock of each photo (one photo's finalize takes only its own). */
  withLocks<T>(photoIds: readonly string[], work: () => Promise<T>): Promise<T>;
  stage(userId: string, photoId: string, body: FinalizeRequest): Promise<Staged>;
  /** Hands these photos of one job to processing in one transition; which of them it moved. */
  toProcessing(jobId: string, photos: PhotoRow[]): Promise<Set<string>>;
  statusNow(userId: string, photoId: string): Promise<PhotoStatus>;
  holdJob(jobId: string): Promise<void>;
};

/**
 * Finalize of many single-PUT photos in one request, each with exactly the checks and answer it
 * gets on its own. A refusal (an AppError, or storage unavailable: a 503 the client retries) is that
 * photo's answer and the others go on. Any other failure (the database gone) fails the whole
 * request: the error handler answers it as for one photo, and sending the same request again is
 * safe, the photos already finalized answering as they are.
 *
 * What one photo's finalize does once per photo is done here once per request or per job: whose
 * photos they are is read in one query; the photos of a job go to processing in one transition (one
 * transaction, the job row locked and recounted once, one job push) instead of one each; the job's
 * queued photos are held once. Every photo's lock is held from its checks until its status has
 * changed, as on its own, taken in id order, so two requests sharing photos never wait for each
 * other in a circle (a single finalize takes one lock only). A photo the transition did not move
 * was changed meanwhile by something else: stored, it answers as it is; otherwise it is refused as
 * on its own.
 */
export function createFinalizeMany(deps: FinalizeManyDeps) {
  return async function finalizeMany(userId: string, photoIds: readonly string[]): Promise<FinalizeManyResponse> {
    const answers = new Map<string, FinalizeResponse | FinalizeRefusal>();
    const refuse = (photoId: string, error: unknown) => {
      const refusal = asRefusal(error);
      if (!refusal) throw error;
      answers.set(photoId, { photoId, error: refusal });
    };
    const owned = await deps.ownedIds(userId, photoIds);
    for (const photoId of photoIds) if (!owned.has(photoId)) refuse(photoId, new AppError("PHOTO_NOT_FOUND"));
    const mine = photoIds.filter((photoId) => owned.has(photoId));
    const storedInJobs: string[] = [];

    await deps.withLocks([...mine].sort(), async () => {
      const limit = pLimit(FINALIZE_MANY_CONCURRENCY);
      const byJob = new Map<string, PhotoRow[]>();
      await Promise.all(
        mine.map((photoId) =>
          limit(async () => {
            try {
              const staged = await deps.stage(userId, photoId, {});
              if ("answer" in staged) answers.set(photoId, staged.answer);
              else {
                const { jobId } = staged.photo;
                const ofJob = byJob.get(jobId);
                if (ofJob) ofJob.push(staged.photo);
                else byJob.set(jobId, [staged.photo]);
              }
            } catch (error) {
              refuse(photoId, error);
            }
          }),
        ),
      );
      for (const [jobId, staged] of byJob) {
        const moved = await deps.toProcessing(jobId, staged);
        if (moved.size > 0) storedInJobs.push(jobId);
        for (const { id } of staged) {
          if (moved.has(id)) {
            answers.set(id, { photoId: id, status: "PROCESSING" });
            continue;
          }
          try {
            answers.set(id, answerAsNow(id, await deps.statusNow(userId, id)));
          } catch (error) {
            refuse(id, error);
          }
        }
      }
    });
    // The tab that finalizes is alive and sending these jobs: their photos queued behind stay held.
    for (const jobId of storedInJobs) await deps.holdJob(jobId);
    return { results: photoIds.map((photoId) => answers.get(photoId) as FinalizeResponse | FinalizeRefusal) };
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
