import {
  type DuplicateSizesResponse,
  isAwaitingBytes,
  type JobSummary,
  type JobView,
  type PhotoStatus,
  TERMINAL_JOB_STATUSES,
} from "@rapidphoto/protocol";
import { and, asc, desc, eq, gt, notInArray, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { countsOf, progressPercent } from "../photos/push-messages.js";
import { findDuplicateSizes } from "./duplicates.js";

// "Active" jobs for the live panel: unfinished ones, and ones that finished within this window.
const RECENT_JOB_WINDOW_MS = 24 * 60 * 60 * 1000;

export type UploadQueries = ReturnType<typeof createUploadQueries>;

/** Awaiting bytes with no live sender: nobody has progressed or signed it within its lease. */
export function isWaitingForFile(p: Pick<PhotoRow, "status" | "senderLeaseUntil">, now: Date): boolean {
  return isAwaitingBytes(p.status as PhotoStatus) && (p.senderLeaseUntil === null || p.senderLeaseUntil < now);
}

export function createUploadQueries({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  return {
    /** Whether the job exists and is this user's (the realtime broker's topic check). */
    async ownsJob(userId: string, jobId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: uploadJobs.id })
        .from(uploadJobs)
        .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
      return Boolean(row);
    },

    async getJob(userId: string, jobId: string): Promise<JobView> {
      const [job] = await db
        .select()
        .from(uploadJobs)
        .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
      if (!job) throw new AppError("JOB_NOT_FOUND");
      const rows = await db.select().from(photos).where(eq(photos.jobId, jobId)).orderBy(asc(photos.position));
      const at = now();
      return {
        ...jobSummary(job),
        photos: rows.map((p) => ({
          photoId: p.id,
          clientId: p.clientId,
          filename: p.filename,
          bytes: p.bytes,
          status: p.status as JobView["photos"][number]["status"],
          progressPercent: progressPercent(p),
          errorMessage: p.errorMessage,
          waitingForFile: isWaitingForFile(p, at),
        })),
      };
    },

    async listJobs(userId: string, opts: { active: boolean; limit: number }): Promise<{ items: JobSummary[] }> {
      const conditions: SQL[] = [eq(uploadJobs.userId, userId)];
      if (opts.active) {
        const recent = or(
          notInArray(uploadJobs.status, [...TERMINAL_JOB_STATUSES]),
          gt(uploadJobs.updatedAt, new Date(Date.now() - RECENT_JOB_WINDOW_MS)),
        );
        if (recent) conditions.push(recent);
      }
      const rows = await db
        .select()
        .from(uploadJobs)
        .where(and(...conditions))
        .orderBy(desc(uploadJobs.updatedAt))
        .limit(opts.limit);
      return { items: rows.map(jobSummary) };
    },

    /** Which of `sizes` could be a duplicate's: the client hashes only files of these sizes. */
    async duplicateSizes(userId: string, sizes: number[]): Promise<DuplicateSizesResponse> {
      return { bytes: await findDuplicateSizes(db, userId, sizes) };
    },
  };
}

function jobSummary(job: JobRow): JobSummary {
  return {
    jobId: job.id,
    status: job.status as JobSummary["status"],
    seq: job.seq,
    ...countsOf(job),
    totalBytes: job.totalBytes,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}
