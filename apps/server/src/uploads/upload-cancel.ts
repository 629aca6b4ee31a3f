import type { JobStatus, PhotoStatus, UploadItem } from "@rapidphoto/protocol";
import { and, eq, notInArray } from "drizzle-orm";
import { type PhotoRow, photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import type { StoredPart } from "../storage/storage.js";
import type { UploadContext } from "./upload-context.js";
import { uploadKey } from "./upload-storage.js";

/** Stopping uploads (one photo, or a whole job) and starting a stopped one again. */

export async function cancelPhoto(
  ctx: UploadContext,
  userId: string,
  photoId: string,
): Promise<{ photoId: string; status: PhotoStatus }> {
  const photo = await ctx.ownedPhoto(userId, photoId);
  const { changed } = await ctx.transition(
    photo.jobId,
    [{ photoId, to: "CANCELLED", patch: { uploadId: null } }],
    "throw",
  );
  await ctx.discardUpload(photo, photo.uploadId);
  return { photoId, status: (changed[0]?.status ?? "CANCELLED") as PhotoStatus };
}

export async function cancelJob(
  ctx: UploadContext,
  userId: string,
  jobId: string,
): Promise<{ jobId: string; status: JobStatus; cancelledCount: number }> {
  await ctx.ownedJob(userId, jobId);
  const open = await ctx.db
    .select()
    .from(photos)
    .where(and(eq(photos.jobId, jobId), notInArray(photos.status, ["COMPLETED", "FAILED", "CANCELLED"])));
  if (open.length === 0) throw new AppError("ILLEGAL_TRANSITION", "Every photo in this job has already finished.");
  const { job, changed } = await ctx.transition(
    jobId,
    open.map((p) => ({ photoId: p.id, to: "CANCELLED" as const, patch: { uploadId: null } })),
    "skip", // a photo that completed meanwhile stays completed
  );
  const cancelled = new Set(changed.map((c) => c.id));
  await ctx.inStorage(
    open.filter((p) => cancelled.has(p.id)),
    (p) => ctx.discardUpload(p, p.uploadId),
  );
  return { jobId, status: job.status as JobStatus, cancelledCount: changed.length };
}

/** FAILED or CANCELLED → QUEUED with a fresh item; a multipart retry lists the parts already stored. */
export async function retryPhoto(ctx: UploadContext, userId: string, photoId: string): Promise<UploadItem> {
  const photo = await ctx.ownedPhoto(userId, photoId);
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
    parts = (await ctx.storedParts(photo)) ?? undefined;
    if (!parts) {
      fresh = (await ctx.storage.createMultipart(uploadKey(photo), { contentType: photo.mimeType })).uploadId;
      uploadId = fresh;
      parts = [];
    }
  }
  const bytesSent = parts?.reduce((sum, p) => sum + p.size, 0) ?? 0;
  try {
    const { changed } = await ctx.transition(
      photo.jobId,
      [
        {
          photoId,
          to: "QUEUED",
          patch: {
            uploadId,
            bytesSent,
            errorMessage: null,
            attempts: 0,
            leaseOwner: null,
            leaseExpiresAt: null,
            // The retrying client holds the file.
            senderLeaseUntil: ctx.leaseUntil(),
          },
        },
      ],
      "throw",
    );
    return ctx.uploadItem(changed[0] as PhotoRow, parts);
  } catch (error) {
    if (fresh) await ctx.discardUpload(photo, fresh);
    throw error;
  }
}
