import {
  AWAITING_BYTES_STATUSES,
  isAwaitingBytes,
  type PhotoStatus,
  type ProgressRequest,
  type ProgressResponse,
} from "@rapidphoto/protocol";
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { photoMessage, photoPushColumns } from "../photos/push-messages.js";
import { heldLeaseDue, renewedLease } from "./sender-lease.js";
import type { UploadContext } from "./upload-context.js";

/**
 * Records the bytes a client has sent and pushes them as progress. A report is on the hot path
 * (one a second or two per sending tab), so the common case is one statement: record the bytes of
 * the reported photos (monotonic, never past the photo's size), renew the sender lease where it is
 * due (sender-lease.ts), and read the job's seq for the pushes. Only a photo's first report (QUEUED
 * → UPLOADING, a status change) and a report naming photos that are no longer uploading take more.
 */
export async function reportProgress(
  ctx: UploadContext,
  userId: string,
  request: ProgressRequest,
): Promise<ProgressResponse> {
  const { jobId } = request;
  const latest = new Map<string, number>();
  for (const u of request.updates) latest.set(u.photoId, Math.max(latest.get(u.photoId) ?? 0, u.bytesSent));
  const ids = [...latest.keys()];
  const now = ctx.now();
  const reported = inArray(photos.id, ids);
  const bytesCases = sql.join(
    [...latest].map(([id, bytes]) => sql`when ${id} then ${bytes}::bigint`),
    sql` `,
  );
  // A report naming a photo that is not this caller's in this job changes nothing (404 below).
  const allKnown = sql`(select count(*) from photos as named where named.job_id = ${jobId}
    and named.user_id = ${userId} and named.id in ${ids}) = ${ids.length}`;

  const rows = await ctx.db
    .update(photos)
    .set({
      bytesSent: sql`case when ${reported}
        then greatest(${photos.bytesSent}, least(case ${photos.id} ${bytesCases} end, ${photos.bytes}))
        else ${photos.bytesSent} end`,
      senderLeaseUntil: renewedLease(ctx),
      updatedAt: sql`case when ${reported} then ${now.toISOString()}::timestamptz else ${photos.updatedAt} end`,
    })
    .where(
      and(
        eq(photos.jobId, jobId),
        eq(photos.userId, userId),
        inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
        // The reported photos, and the job's others whose held lease is due (never a lapsed one).
        or(reported, heldLeaseDue(ctx)),
        allKnown,
      ),
    )
    .returning(photoPushColumns(sql`(select seq from upload_jobs where upload_jobs.id = ${jobId})`));

  const sent = rows.filter((row) => latest.has(row.id));
  const ignored = sent.length < ids.length ? await notUploading(ctx, userId, jobId, ids, sent) : [];
  if (sent.length === 0) {
    throw new AppError("ILLEGAL_TRANSITION", "These photos are no longer uploading.", { ignored });
  }

  let seq = Math.max(...sent.map((row) => row.seq));
  const starting = sent.filter((row) => row.status === "QUEUED");
  let started = 0;
  if (starting.length) {
    // The bytes are recorded already; the transition publishes the new status with them.
    const result = await ctx.transition(
      jobId,
      starting.map((row) => ({ photoId: row.id, to: "UPLOADING" as const, from: ["QUEUED" as const] })),
      "skip",
    );
    seq = Math.max(seq, result.job.seq);
    started = result.changed.length;
  }
  const uploading = sent.filter((row) => row.status === "UPLOADING");
  for (const row of uploading) await ctx.publish({ userId, kind: "progress", message: photoMessage(row, seq, now) });
  return { accepted: uploading.length + started, ignored };
}

/** The reported photos not recorded, with their status now; 404 when one is not the caller's in this job. */
async function notUploading(
  ctx: UploadContext,
  userId: string,
  jobId: string,
  ids: string[],
  sent: { id: string }[],
): Promise<ProgressResponse["ignored"]> {
  const recorded = new Set(sent.map((row) => row.id));
  const found = await ctx.db
    .select({ id: photos.id, status: photos.status })
    .from(photos)
    .where(and(eq(photos.jobId, jobId), eq(photos.userId, userId), inArray(photos.id, ids)));
  if (found.length !== ids.length) {
    await ctx.ownedJob(userId, jobId);
    throw new AppError("PHOTO_NOT_FOUND", "Some photos are not part of this job.");
  }
  return found
    .filter((row) => !recorded.has(row.id) && !isAwaitingBytes(row.status as PhotoStatus))
    .map((row) => ({ photoId: row.id, status: row.status as PhotoStatus }));
}
