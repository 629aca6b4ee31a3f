import { emptyCounts, foldJob, type JobMessage, type JobView, movesForward } from "@rapidphoto/protocol";
import { SERVER_FAILURE } from "./errors.js";
import type { PhotoReport } from "./file-record.js";
import type { FileState, JobState } from "./store.js";

/**
 * What the server says, merged into what the engine holds. The engine sends the bytes itself, so
 * only a photo's status can come from the server (processing done, failed, cancelled elsewhere):
 * that is the protocol's photo fold for a holder that never takes the retry edge (movesForward).
 * Jobs take the protocol's job fold as it is.
 */

/** What a report changes in the file, or null if it is stale or says nothing new. */
export function mergePhotoReport(file: FileState, report: PhotoReport): Partial<FileState> | null {
  if (report.seq <= file.seqFloor) return null; // sent before the user's last retry
  if (!movesForward(file.status, report.status)) return null;
  if (report.status !== "FAILED") return { status: report.status };
  const message = report.errorMessage ?? "The server could not process this photo.";
  return { status: "FAILED", error: { code: SERVER_FAILURE, message } };
}

/**
 * A job the engine holds before any push about it: just created (at the create's `seq`,
 * NEW_JOB_SEQ), or restored from an earlier page (`seq` 0: nothing known).
 */
export function newJob(jobId: string, files: number, seq = 0): JobState {
  return { jobId, status: "QUEUED", ...emptyCounts(), totalCount: files, queuedCount: files, seq };
}

/** The job after a job message or a fetched view (an older one changes nothing), or after any message's `seq`. */
export function mergeJobReport(job: JobState, report: JobMessage | JobView | { seq: number }): JobState {
  if ("status" in report) return foldJob(job, report);
  return report.seq > job.seq ? { ...job, seq: report.seq } : job;
}
