import {
  isStored,
  type JobMessage,
  type PhotoCounts,
  type PhotoMessage,
  type PhotoStatus,
  photoPercent,
} from "@rapidphoto/protocol";
import { type SQL, sql } from "drizzle-orm";
import { type JobRow, type PhotoRow, photos } from "../db/schema.js";

/**
 * What a row says to the outside: the push messages (DESIGN §6) and the counts and percent that
 * the queries answer with, built from database rows in one place.
 */

export function countsOf(job: JobRow): PhotoCounts {
  const { totalCount, queuedCount, uploadingCount, processingCount, completedCount, failedCount, cancelledCount } = job;
  return { totalCount, queuedCount, uploadingCount, processingCount, completedCount, failedCount, cancelledCount };
}

export function progressPercent(photo: Pick<PhotoRow, "status" | "bytes" | "bytesSent">): number {
  return photoPercent({ status: photo.status as PhotoStatus, bytesSent: photo.bytesSent, bytesTotal: photo.bytes });
}

export function photoMessage(
  photo: Pick<PhotoRow, "id" | "jobId" | "status" | "bytes" | "bytesSent" | "errorMessage">,
  seq: number,
  at: Date,
): PhotoMessage {
  const done = isStored(photo.status as PhotoStatus);
  return {
    type: "photo",
    jobId: photo.jobId,
    photoId: photo.id,
    status: photo.status as PhotoStatus,
    progressPercent: progressPercent(photo),
    bytesSent: done ? photo.bytes : photo.bytesSent,
    bytesTotal: photo.bytes,
    ...(photo.errorMessage ? { errorMessage: photo.errorMessage } : {}),
    seq,
    timestamp: at.toISOString(),
  };
}

export function jobMessage(job: JobRow, at: Date): JobMessage {
  return {
    type: "job",
    jobId: job.id,
    status: job.status as JobMessage["status"],
    ...countsOf(job),
    seq: job.seq,
    timestamp: at.toISOString(),
  };
}

/**
 * A photo's fields a push is built from, for an `update … returning` that pushes what it changed
 * and numbers the pushes itself (from the job it locked).
 */
export const photoPushFields = {
  id: photos.id,
  jobId: photos.jobId,
  status: photos.status,
  bytes: photos.bytes,
  bytesSent: photos.bytesSent,
  errorMessage: photos.errorMessage,
};

/**
 * The same fields and `jobSeq`, its job's current seq (a subquery the caller words, so a statement
 * about one job can read it once).
 */
export function photoPushColumns(jobSeq: SQL) {
  return { ...photoPushFields, seq: sql<number>`${jobSeq}`.mapWith(Number) };
}
