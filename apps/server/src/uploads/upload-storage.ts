import {
  type FinalizeRequest,
  partCountFor,
  partRange,
  partsSignedWithItem,
  planPartSize,
  type SignedPart,
  type UploadItem,
} from "@rapidphoto/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { PhotoRow } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { stagingKey } from "../photos/storage-keys.js";
import { type ObjectInfo, type ObjectStorage, StorageError, type StoredPart } from "../storage/storage.js";

/** The photo fields that name its storage keys. */
type PhotoKeys = Pick<PhotoRow, "id" | "userId" | "storageKey">;

/** Where the photo's upload goes (never its original's key; see stagingKey). */
export const uploadKey = (photo: Pick<PhotoRow, "id" | "userId">) => stagingKey(photo.userId, photo.id);

/**
 * The storage side of the upload service: what a client needs to send bytes (signed items), what
 * storage already holds, completing and discarding uploads. The service decides when; this knows how.
 */
export function createUploadStorage({
  storage,
  logger,
  putTtl,
  partTtl,
}: {
  storage: ObjectStorage;
  logger: FastifyBaseLogger;
  /** Lifetime of a whole-object PUT URL, in seconds. */
  putTtl: number;
  /** Lifetime of a part URL, in seconds. */
  partTtl: number;
}) {
  /** A part's URL: its body is bounded by the part's exact size. */
  async function signPart(
    photo: Pick<PhotoRow, "id" | "userId" | "bytes">,
    uploadId: string,
    partSize: number,
    partNumber: number,
  ): Promise<SignedPart> {
    const { start, end } = partRange(photo.bytes, partSize, partNumber);
    const signed = await storage.presignPart(uploadKey(photo), uploadId, partNumber, {
      expiresInSec: partTtl,
      maxBytes: end - start,
    });
    return { partNumber, url: signed.url, expiresAt: signed.expiresAt.toISOString() };
  }

  async function uploadItem(photo: PhotoRow, uploadedParts?: StoredPart[]): Promise<UploadItem> {
    if (photo.uploadMethod === "PUT") {
      const signed = await storage.presignPut(uploadKey(photo), {
        contentType: photo.mimeType,
        contentLength: photo.bytes,
        expiresInSec: putTtl,
      });
      return {
        photoId: photo.id,
        clientId: photo.clientId,
        method: "PUT",
        url: signed.url,
        headers: signed.headers,
        expiresAt: signed.expiresAt.toISOString(),
      };
    }
    const partSize = photo.partSize ?? planPartSize(photo.bytes);
    const partCount = partCountFor(photo.bytes, partSize);
    // The first parts still to send come signed, so the file's first requests need no round trip.
    const first = partsSignedWithItem(partCount, new Set(uploadedParts?.map((p) => p.partNumber)));
    const uploadId = photo.uploadId;
    const signedParts = uploadId ? await Promise.all(first.map((n) => signPart(photo, uploadId, partSize, n))) : [];
    return {
      photoId: photo.id,
      clientId: photo.clientId,
      method: "MULTIPART",
      multipart: {
        uploadId: uploadId ?? "",
        partSize,
        partCount,
        ...(uploadedParts
          ? { uploadedParts: uploadedParts.map(({ partNumber, etag }) => ({ partNumber, etag })) }
          : {}),
        ...(signedParts.length > 0 ? { signedParts } : {}),
      },
    };
  }

  /** Best-effort storage clean-up after a cancel or a failed create: logged, never thrown. */
  async function discardUpload(photo: PhotoKeys, uploadId: string | null) {
    const key = uploadKey(photo);
    try {
      if (uploadId) await storage.abortMultipart(key, uploadId);
      await storage.delete(key);
      await storage.delete(photo.storageKey); // the bytes of an earlier, failed attempt
    } catch (error) {
      if (!(error instanceof StorageError && error.code === "NO_SUCH_UPLOAD")) {
        logger.warn({ err: error, key }, "could not clean up an abandoned upload");
      }
    }
  }

  /**
   * Moves the uploaded object to the photo's original key and returns what is stored there. When
   * nothing waits at the upload key, an earlier finalize may have moved it and been cut short
   * before it changed the status: the original is then reported as it is.
   */
  async function promoteUpload(photo: PhotoKeys & Pick<PhotoRow, "bytes">): Promise<ObjectInfo | null> {
    const staged = await storage.head(uploadKey(photo));
    if (staged && staged.size !== photo.bytes) return staged; // short: the caller refuses it, the client sends again
    if (staged) {
      try {
        await storage.move(uploadKey(photo), photo.storageKey);
      } catch (error) {
        // Moved meanwhile by a finalize on another instance: what follows reads the result.
        if (!(error instanceof StorageError && error.code === "NO_SUCH_KEY")) throw error;
      }
    }
    return storage.head(photo.storageKey);
  }

  /** Stored parts of a live multipart upload, or null if storage no longer knows it. */
  async function storedParts(photo: PhotoRow): Promise<StoredPart[] | null> {
    if (!photo.uploadId) return null;
    try {
      return await storage.listParts(uploadKey(photo), photo.uploadId);
    } catch (error) {
      if (error instanceof StorageError && error.code === "NO_SUCH_UPLOAD") return null;
      throw error;
    }
  }

  async function completeParts(photo: PhotoRow, body: FinalizeRequest): Promise<void> {
    if (!body.uploadId || !body.parts) {
      throw new AppError("VALIDATION_FAILED", "A multipart upload is finalized with its uploadId and parts.", {
        fieldErrors: {
          ...(body.uploadId ? {} : { uploadId: ["Required."] }),
          ...(body.parts ? {} : { parts: ["Required."] }),
        },
      });
    }
    if (body.uploadId !== photo.uploadId) {
      throw new AppError(
        "UPLOAD_INCOMPLETE",
        "That upload id does not belong to this photo (it may have been restarted).",
      );
    }
    const numbers = body.parts.map((p) => p.partNumber);
    const partCount = checkPartNumbers(photo, numbers, "parts");
    if (numbers.length !== partCount) {
      const have = new Set(numbers);
      const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !have.has(n));
      throw new AppError("UPLOAD_INCOMPLETE", `Parts are missing: ${missing.slice(0, 20).join(", ")}.`, { missing });
    }
    const parts = [...body.parts].sort((a, b) => a.partNumber - b.partNumber);
    try {
      await storage.completeMultipart(uploadKey(photo), photo.uploadId, parts);
    } catch (error) {
      if (error instanceof StorageError && error.code !== "UNAVAILABLE") {
        throw new AppError(
          "UPLOAD_INCOMPLETE",
          `Storage refused the parts: ${error.message}`,
          { storage: error.code },
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  return { uploadItem, signPart, discardUpload, promoteUpload, storedParts, completeParts };
}

export type UploadStorage = ReturnType<typeof createUploadStorage>;

/** The photo's part count, after checking every number is within it (400 otherwise). */
export function checkPartNumbers(
  photo: Pick<PhotoRow, "bytes" | "partSize">,
  numbers: number[],
  field: string,
): number {
  const partCount = partCountFor(photo.bytes, photo.partSize ?? planPartSize(photo.bytes));
  const outOfRange = numbers.filter((n) => n > partCount);
  if (outOfRange.length) {
    throw new AppError("VALIDATION_FAILED", `This upload has parts 1 to ${partCount}.`, {
      fieldErrors: { [field]: [`Out of range: ${outOfRange.join(", ")}`] },
    });
  }
  return partCount;
}
