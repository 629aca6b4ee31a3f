import { type JobMessage, type PhotoMessage, type PhotoStatus, photoStatusRank } from "@rapidphoto/protocol";
import { SERVER_FAILURE } from "./errors.js";
import type { FileState, JobState } from "./store.js";

/**
 * Whether a file may go from `current` to `next` without an explicit retry: only forward. Terminal
 * statuses share one rank, so the first terminal status sticks (a late FAILED never overwrites
 * COMPLETED, and the other way round).
 */
export function acceptStatus(current: PhotoStatus, next: PhotoStatus): boolean {
  return photoStatusRank(next) > photoStatusRank(current);
}

/** What a photo push changes in the file, or null if it is stale or says nothing new. */
export function mergePhotoMessage(file: FileState, message: PhotoMessage): Partial<FileState> | null {
  if (message.seq <= file.seqFloor) return null; // sent before the user's last retry
  const patch: Partial<FileState> = {};
  const forward = acceptStatus(file.status, message.status);
  if (forward) {
    patch.status = message.status;
    if (message.status === "FAILED") {
      patch.error = {
        code: SERVER_FAILURE,
        message: message.errorMessage ?? "The server could not process this photo.",
      };
    }
  }
  if (forward || message.status === file.status) {
    const percent = Math.max(file.serverPercent ?? 0, message.progressPercent);
    if (percent !== file.serverPercent) patch.serverPercent = percent;
  }
  return Object.keys(patch).length > 0 ? patch : null;
}

/** The job after a job push: a message older than the one applied changes nothing. */
export function mergeJobMessage(job: JobState | undefined, message: JobMessage): JobState | null {
  const lastSeq = Math.max(job?.lastSeq ?? 0, message.seq);
  if (job && message.seq <= job.seq) return lastSeq === job.lastSeq ? null : { ...job, lastSeq };
  const { type: _type, jobId, status, seq, timestamp: _timestamp, ...counts } = message;
  return { jobId, status, counts, seq, lastSeq };
}
