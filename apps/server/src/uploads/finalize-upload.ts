import {
  type FinalizeRequest,
  type FinalizeResponse,
  isAwaitingBytes,
  isStored,
  type PhotoStatus,
} from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import { photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { createKeyedLock } from "../storage/keyed-lock.js";
import { holdJobLeases } from "./sender-lease.js";
import type { UploadContext } from "./upload-context.js";
import { uploadKey } from "./upload-storage.js";

/**
 * Finalize: moves the uploaded bytes to the photo's original key and hands the photo to
 * processing. A photo already stored (an earlier finalize whose answer was lost) answers as it is now.
 */
export function createFinalize(ctx: UploadContext) {
  const { db, storage } = ctx;
  // Finalizes of one photo run one at a time here (a client retrying a finalize whose answer was
  // lost), so a second one never moves the upload key again while the first is changing the status.
  const finalizing = createKeyedLock();

  return async function finalize(userId: string, photoId: string, body: FinalizeRequest): Promise<FinalizeResponse> {
    await ctx.ownedPhoto(userId, photoId); // someone else's photo waits for nobody's lock
    return finalizing(photoId, async () => {
      const photo = await ctx.ownedPhoto(userId, photoId);
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
        if (error instanceof AppError && isStored(now.status as PhotoStatus))
          return { photoId, status: now.status as PhotoStatus };
        throw error;
      }
      ctx.onPhotosReady?.();
      // The tab that finalizes is alive and sending this job: its photos queued behind stay held.
      await holdJobLeases(ctx, photo.jobId);
      return { photoId, status: "PROCESSING" as const };
    });
  };
}
