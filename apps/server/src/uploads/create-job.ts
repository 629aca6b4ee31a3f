import {
  type CreateJobRequest,
  type CreateJobResponse,
  type DuplicateFile,
  emptyCounts,
  NEW_JOB_SEQ,
  planPartSize,
  SINGLE_PUT_MAX_BYTES,
} from "@rapidphoto/protocol";
import { insertRowsAsJson } from "../db/json-insert.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { newId } from "../ids.js";
import { jobMessage } from "../photos/push-messages.js";
import { originalKey } from "../photos/storage-keys.js";
import { findKnownPhotos } from "./duplicates.js";
import { hashStoredPhotos } from "./hash-stored-photos.js";
import type { UploadContext } from "./upload-context.js";
import { uploadKey } from "./upload-storage.js";

type PhotoInsert = typeof photos.$inferInsert;

/** The photo columns a new job writes; the rest (bytes sent, processing fields) take their defaults. */
const NEW_PHOTO_COLUMNS = [
  "id",
  "jobId",
  "userId",
  "clientId",
  "position",
  "declaredSha256",
  "senderLeaseUntil",
  "filename",
  "mimeType",
  "bytes",
  "status",
  "storageKey",
  "uploadMethod",
  "uploadId",
  "partSize",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof PhotoInsert)[];

/**
 * Creates a job and its photos, each with an upload item: a signed PUT URL, or a started multipart
 * upload. Files whose declared sha256 the user already has are answered in `duplicates` instead
 * (see duplicates.ts and hash-stored-photos.ts); when nothing is left to upload, no job is created.
 */
export async function createJob(
  ctx: UploadContext,
  userId: string,
  request: CreateJobRequest,
): Promise<CreateJobResponse> {
  const { db, storage } = ctx;
  if (request.files.length > ctx.maxFilesPerJob) {
    const maxFiles = ctx.maxFilesPerJob;
    throw new AppError("TOO_MANY_FILES", `At most ${maxFiles} files per upload job.`, { maxFiles });
  }
  const jobId = newId("job");
  const now = ctx.now();
  const declared = [...new Set(request.files.flatMap((f) => (f.sha256 ? [f.sha256] : [])))];
  let known = await findKnownPhotos(db, userId, declared);
  // A hashed file no photo answers may still be one stored unhashed and processing: hash those of
  // its size and look again (hash-stored-photos.ts).
  const unanswered = request.files.flatMap((f) => (f.sha256 && !known.has(f.sha256) ? [f.bytes] : []));
  if ((await hashStoredPhotos(ctx, userId, unanswered)) > 0) known = await findKnownPhotos(db, userId, declared);
  const duplicates: DuplicateFile[] = [];
  // A file listed twice in one request is uploaded once; the repeat names the first copy's photo.
  const firstInRequest = new Map<string, string>();
  const toUpload = request.files.flatMap((file, index) => {
    const clientId = file.clientId ?? null;
    const existing = file.sha256 ? known.get(file.sha256) : undefined;
    if (existing) {
      duplicates.push({ index, clientId, ...existing });
      return [];
    }
    const earlier = file.sha256 ? firstInRequest.get(file.sha256) : undefined;
    if (earlier) {
      duplicates.push({ index, clientId, photoId: earlier, status: "QUEUED", inTrash: false });
      return [];
    }
    const id = newId("ph");
    if (file.sha256) firstInRequest.set(file.sha256, id);
    return [{ file, id }];
  });
  if (toUpload.length === 0) return { jobId: null, items: [], duplicates };

  const rows = toUpload.map(({ file, id }, position) => {
    const multipart = file.bytes > SINGLE_PUT_MAX_BYTES;
    return {
      id,
      jobId,
      userId,
      clientId: file.clientId ?? null,
      position,
      declaredSha256: file.sha256 ?? null,
      // The creating tab holds every file of the job until its lease lapses.
      senderLeaseUntil: ctx.leaseUntil(),
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
    seq: NEW_JOB_SEQ,
    ...emptyCounts(),
    totalCount: rows.length,
    queuedCount: rows.length,
    totalBytes: rows.reduce((sum, r) => sum + r.bytes, 0),
    createdAt: now,
    updatedAt: now,
  };

  // Storage first: if any multipart upload cannot be started, undo the ones that were and create nothing.
  const started: { row: (typeof rows)[number]; uploadId: string }[] = [];
  try {
    await ctx.inStorage(
      rows.filter((r) => r.uploadMethod === "MULTIPART"),
      async (row) => {
        const { uploadId } = await storage.createMultipart(uploadKey(row), { contentType: row.mimeType });
        row.uploadId = uploadId;
        started.push({ row, uploadId });
      },
    );
    await db.transaction(async (tx) => {
      await tx.insert(uploadJobs).values(job);
      // One statement for every photo (see json-insert.ts: drizzle's per-cell query building cost
      // more than the insert itself at 1,000 files).
      await insertRowsAsJson(tx, photos, NEW_PHOTO_COLUMNS, rows);
    });
  } catch (error) {
    await ctx.inStorage(started, (s) => ctx.discardUpload(s.row, s.uploadId));
    throw error;
  }

  // The rows as inserted: the columns left out take their defaults (no bytes sent, no lease).
  const items = await Promise.all(rows.map((row) => ctx.uploadItem(row as PhotoRow)));
  await ctx.publish({ userId, kind: "status", message: jobMessage(job, now) });
  return { jobId, items, duplicates };
}
