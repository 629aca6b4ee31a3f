import { z } from "zod";

/**
 * Photo lifecycle (DESIGN §5). The transition table is what the server enforces; clients merge
 * pushes by rank (photoStatusRank below), which orders the same statuses without the retry edges.
 */
export const PHOTO_STATUSES = ["QUEUED", "UPLOADING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export const PhotoStatus = z.enum(PHOTO_STATUSES);
export type PhotoStatus = z.infer<typeof PhotoStatus>;

export const JOB_STATUSES = [
  "QUEUED",
  "IN_PROGRESS",
  "COMPLETED",
  "COMPLETED_WITH_ERRORS",
  "FAILED",
  "CANCELLED",
] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

const PHOTO_TRANSITIONS: Record<PhotoStatus, readonly PhotoStatus[]> = {
  QUEUED: ["UPLOADING", "PROCESSING", "CANCELLED", "FAILED"],
  UPLOADING: ["PROCESSING", "CANCELLED", "FAILED"],
  PROCESSING: ["COMPLETED", "FAILED", "CANCELLED"],
  COMPLETED: [],
  FAILED: ["QUEUED"], // only by retry
  CANCELLED: ["QUEUED"], // only by retry
};

export function canTransition(from: PhotoStatus, to: PhotoStatus): boolean {
  return PHOTO_TRANSITIONS[from].includes(to);
}

/*
 * The statuses' vocabulary: every "is this photo …?" question is one of these, on the server and in
 * every client alike, so a new status is added here and nowhere else.
 */

/** Finished: nothing more happens to the photo unless someone retries it. */
export const TERMINAL_PHOTO_STATUSES: readonly PhotoStatus[] = ["COMPLETED", "FAILED", "CANCELLED"];
export function isTerminalPhoto(status: PhotoStatus): boolean {
  return TERMINAL_PHOTO_STATUSES.includes(status);
}

/** Waiting for its bytes: the only statuses in which a photo is signed, sent, paused or finalized. */
export const AWAITING_BYTES_STATUSES: readonly PhotoStatus[] = ["QUEUED", "UPLOADING"];
export function isAwaitingBytes(status: PhotoStatus): boolean {
  return AWAITING_BYTES_STATUSES.includes(status);
}

/** Every byte is in storage (being processed, or done): its upload shows 100 %. */
export const STORED_PHOTO_STATUSES: readonly PhotoStatus[] = ["PROCESSING", "COMPLETED"];
export function isStored(status: PhotoStatus): boolean {
  return STORED_PHOTO_STATUSES.includes(status);
}

/** Listed in the library (`GET /queries/photos`): stored, or failed by processing so it can be seen and retried. */
export const LIBRARY_PHOTO_STATUSES: readonly PhotoStatus[] = ["PROCESSING", "COMPLETED", "FAILED"];
export function isInLibrary(status: PhotoStatus): boolean {
  return LIBRARY_PHOTO_STATUSES.includes(status);
}

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [
  "COMPLETED",
  "COMPLETED_WITH_ERRORS",
  "FAILED",
  "CANCELLED",
];
export function isTerminalJob(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

/**
 * Order used to merge pushes into what a client holds: a message only moves a photo forward, and the
 * terminal statuses share one rank, so the first one to arrive sticks. The table above also allows
 * FAILED/CANCELLED → QUEUED, but that retry edge is never taken by ranking a late push: the client
 * that asked for the retry takes it itself, and anyone else only on a message newer than all it has
 * (see foldPhoto).
 */
const PHOTO_RANK: Record<PhotoStatus, number> = {
  QUEUED: 0,
  UPLOADING: 1,
  PROCESSING: 2,
  COMPLETED: 3,
  FAILED: 3,
  CANCELLED: 3,
};
export function photoStatusRank(status: PhotoStatus): number {
  return PHOTO_RANK[status];
}

/** Whether a report of `to` moves a photo held at `from` forward (the only way a late push may move it). */
export function movesForward(from: PhotoStatus, to: PhotoStatus): boolean {
  return PHOTO_RANK[to] > PHOTO_RANK[from];
}

/** A job's photo counts: in push messages, job views and the jobs table alike. */
export const PhotoCounts = z.object({
  totalCount: z.number().int(),
  queuedCount: z.number().int(),
  uploadingCount: z.number().int(),
  processingCount: z.number().int(),
  completedCount: z.number().int(),
  failedCount: z.number().int(),
  cancelledCount: z.number().int(),
});
export type PhotoCounts = z.infer<typeof PhotoCounts>;

export function emptyCounts(): PhotoCounts {
  return {
    totalCount: 0,
    queuedCount: 0,
    uploadingCount: 0,
    processingCount: 0,
    completedCount: 0,
    failedCount: 0,
    cancelledCount: 0,
  };
}

export const COUNT_FIELD: Record<PhotoStatus, Exclude<keyof PhotoCounts, "totalCount">> = {
  QUEUED: "queuedCount",
  UPLOADING: "uploadingCount",
  PROCESSING: "processingCount",
  COMPLETED: "completedCount",
  FAILED: "failedCount",
  CANCELLED: "cancelledCount",
};

/** The counts of a set of photos: what a job's counts say, computed from the photos themselves. */
export function countPhotos(photos: Iterable<{ status: PhotoStatus }>): PhotoCounts {
  const counts = emptyCounts();
  for (const { status } of photos) {
    counts.totalCount++;
    counts[COUNT_FIELD[status]]++;
  }
  return counts;
}

/** A job's status is derived from its photos' counts, never set by hand. */
export function deriveJobStatus(c: PhotoCounts): JobStatus {
  const active = c.queuedCount + c.uploadingCount + c.processingCount;
  if (c.totalCount === 0) return "QUEUED";
  if (active > 0) {
    return c.queuedCount === c.totalCount ? "QUEUED" : "IN_PROGRESS";
  }
  if (c.completedCount === c.totalCount) return "COMPLETED";
  if (c.cancelledCount === c.totalCount) return "CANCELLED";
  if (c.completedCount === 0 && c.failedCount > 0) return "FAILED";
  if (c.completedCount === 0) return "CANCELLED"; // only cancelled and failed, none failed
  return "COMPLETED_WITH_ERRORS";
}
