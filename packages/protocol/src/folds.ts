import { type JobStatus, movesForward, type PhotoCounts, type PhotoStatus } from "./statuses.js";

/**
 * The folds: how a push (or a fetched job view, which says the same things at its `seq`) changes
 * what a holder keeps, the same way in the engine, the web's caches and any other client.
 */

/** What a holder keeps of one photo that a report can change. */
export type PhotoSnapshot = { status: PhotoStatus; progressPercent: number; errorMessage: string | null };

/** What a photo push or a row of a job view says about one photo. */
export type PhotoReport = { status: PhotoStatus; progressPercent: number; errorMessage?: string | null };

/**
 * One photo after a report about it. Statuses move only forward (photoStatusRank), so a late
 * message never resets a bar; the one way back is a report `newer` than everything the holder has
 * seen (the server's latest word, e.g. a retry elsewhere: FAILED → QUEUED). Progress never falls
 * within one status. Returns `photo` itself when nothing changes.
 */
export function foldPhoto<T extends PhotoSnapshot>(photo: T, report: PhotoReport, newer: boolean): T {
  const same = report.status === photo.status;
  const forward = movesForward(photo.status, report.status);
  if (!same && !forward && !newer) return photo;
  const progressPercent = same ? Math.max(photo.progressPercent, report.progressPercent) : report.progressPercent;
  const errorMessage = report.status === "FAILED" ? (report.errorMessage ?? photo.errorMessage) : null;
  if (same && progressPercent === photo.progressPercent && errorMessage === photo.errorMessage) return photo;
  return { ...photo, status: report.status, progressPercent, errorMessage };
}

/** What a holder keeps of one job that a job message (or a job view) can change. */
export type JobSnapshot = PhotoCounts & { status: JobStatus; seq: number };

const COUNT_KEYS = [
  "totalCount",
  "queuedCount",
  "uploadingCount",
  "processingCount",
  "completedCount",
  "failedCount",
  "cancelledCount",
] as const satisfies readonly (keyof PhotoCounts)[];

/**
 * A job after a report about it: status, counts and `seq` come from a report at least as new as
 * what the holder has (a photo push may already have taken its `seq` there); an older one changes
 * nothing. A holder that keeps `updatedAt` gets the message's timestamp. Returns `job` itself
 * when nothing changes.
 */
export function foldJob<T extends JobSnapshot>(job: T, report: JobSnapshot & { timestamp?: string }): T {
  if (report.seq < job.seq) return job;
  const unchanged =
    report.seq === job.seq && report.status === job.status && COUNT_KEYS.every((key) => report[key] === job[key]);
  if (unchanged) return job;
  const next: T = { ...job, status: report.status, seq: report.seq };
  for (const key of COUNT_KEYS) next[key] = report[key];
  if ("updatedAt" in job && report.timestamp !== undefined) Object.assign(next, { updatedAt: report.timestamp });
  return next;
}
