import {
  AWAITING_BYTES_STATUSES,
  isAwaitingBytes,
  type PhotoStatus,
  type SignPartsResponse,
  type UploadItem,
} from "@rapidphoto/protocol";
import { and, eq, inArray } from "drizzle-orm";
import { photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import type { UploadContext } from "./upload-context.js";
import { checkPartNumbers, uploadKey } from "./upload-storage.js";

/** Signs part URLs just before the client sends them. */
export async function signParts(
  ctx: UploadContext,
  userId: string,
  photoId: string,
  partNumbers: number[],
): Promise<SignPartsResponse> {
  const photo = await ctx.ownedPhoto(userId, photoId);
  if (photo.uploadMethod !== "MULTIPART" || !photo.uploadId || !photo.partSize) {
    throw new AppError("METHOD_MISMATCH", "This photo is uploaded with a single PUT; it has no parts.");
  }
  if (!isAwaitingBytes(photo.status as PhotoStatus)) {
    throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status}; its parts can no longer be uploaded.`);
  }
  checkPartNumbers(photo, partNumbers, "partNumbers");
  // Whoever signs parts is about to send them: it holds the file.
  await ctx.db.update(photos).set({ senderLeaseUntil: ctx.leaseUntil() }).where(eq(photos.id, photo.id));
  const { uploadId, partSize } = photo;
  const urls = await Promise.all(partNumbers.map((n) => ctx.signPart(photo, uploadId, partSize, n)));
  return { urls };
}

/** A fresh item for a photo still being uploaded (its PUT URL expired, or the client lost it). */
export async function sign(ctx: UploadContext, userId: string, photoId: string): Promise<UploadItem> {
  const { db } = ctx;
  const photo = await ctx.ownedPhoto(userId, photoId);
  if (!isAwaitingBytes(photo.status as PhotoStatus)) {
    throw new AppError("ILLEGAL_TRANSITION", `The photo is ${photo.status}; it is not waiting for an upload.`);
  }
  await db
    .update(photos)
    .set({ updatedAt: new Date(), senderLeaseUntil: ctx.leaseUntil() })
    .where(eq(photos.id, photo.id));
  if (photo.uploadMethod === "PUT") return ctx.uploadItem(photo);
  const parts = await ctx.storedParts(photo);
  if (parts) return ctx.uploadItem(photo, parts);
  // Storage no longer knows the upload (expired, swept, or completed with bad parts): start over.
  const { uploadId } = await ctx.storage.createMultipart(uploadKey(photo), { contentType: photo.mimeType });
  const [updated] = await db
    .update(photos)
    .set({ uploadId, bytesSent: 0, updatedAt: new Date() })
    .where(and(eq(photos.id, photo.id), inArray(photos.status, [...AWAITING_BYTES_STATUSES])))
    .returning();
  if (!updated) {
    await ctx.discardUpload(photo, uploadId);
    throw new AppError("ILLEGAL_TRANSITION", "The photo changed status while it was being signed.");
  }
  return ctx.uploadItem(updated, []);
}
