import {
  AWAITING_BYTES_STATUSES,
  isAwaitingBytes,
  type PhotoStatus,
  type ProgressRequest,
  type ProgressResponse,
} from "@rapidphoto/protocol";
import { and, eq, gte, inArray, or } from "drizzle-orm";
import { type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { applyTransitions, recordBytes } from "../photos/photo-transitions.js";
import { photoMessage } from "../photos/push-messages.js";
import type { UploadContext } from "./upload-context.js";

/**
 * Records the bytes a client has sent and pushes them as progress. A photo's first report moves it
 * from QUEUED to UPLOADING; reports for photos no longer uploading are ignored and named.
 */
export async function reportProgress(
  ctx: UploadContext,
  userId: string,
  request: ProgressRequest,
): Promise<ProgressResponse> {
  const { db } = ctx;
  await ctx.ownedJob(userId, request.jobId);
  const ids = [...new Set(request.updates.map((u) => u.photoId))];
  const rows = await db
    .select()
    .from(photos)
    .where(and(eq(photos.jobId, request.jobId), inArray(photos.id, ids)));
  if (rows.length !== ids.length) throw new AppError("PHOTO_NOT_FOUND", "Some photos are not part of this job.");
  const byId = new Map(rows.map((r) => [r.id, r]));

  const accepted: string[] = [];
  const ignored: ProgressResponse["ignored"] = [];
  const latest = new Map<string, number>();
  for (const u of request.updates) {
    const photo = byId.get(u.photoId) as PhotoRow;
    if (!isAwaitingBytes(photo.status as PhotoStatus)) {
      ignored.push({ photoId: u.photoId, status: photo.status as PhotoStatus });
      continue;
    }
    // bytesTotal is the client's view; never record more than the photo really has.
    latest.set(u.photoId, Math.max(latest.get(u.photoId) ?? 0, Math.min(u.bytesSent, photo.bytes)));
  }
  if (latest.size === 0) {
    throw new AppError("ILLEGAL_TRANSITION", "These photos are no longer uploading.", { ignored });
  }

  await db.transaction(async (tx) => {
    // Lock the job first, as every status change does: the seq read below is then current,
    // and these events leave before any later change's.
    const [job] = await tx
      .select({ seq: uploadJobs.seq })
      .from(uploadJobs)
      .where(eq(uploadJobs.id, request.jobId))
      .for("update");
    let seq = job?.seq ?? 0;
    const starting = [...latest].filter(([id]) => byId.get(id)?.status === "QUEUED");
    if (starting.length) {
      const result = await applyTransitions(
        tx,
        request.jobId,
        starting.map(([photoId, bytesSent]) => ({
          photoId,
          to: "UPLOADING",
          from: ["QUEUED"],
          patch: { bytesSent },
        })),
        { onIllegal: "skip", publish: ctx.publish },
      );
      seq = result.job.seq;
    }
    // The reporting tab is sending these photos, and still holds the job's other photos it held
    // (queued behind them); photos whose lease already lapsed wait for their own call.
    const at = ctx.now();
    await tx
      .update(photos)
      .set({ senderLeaseUntil: ctx.leaseUntil() })
      .where(
        and(
          eq(photos.jobId, request.jobId),
          inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
          or(inArray(photos.id, [...latest.keys()]), gte(photos.senderLeaseUntil, at)),
        ),
      );
    const now = new Date();
    for (const row of await recordBytes(tx, latest)) {
      if (row.status !== "UPLOADING") continue;
      accepted.push(row.id);
      await ctx.publish({ userId, kind: "progress", message: photoMessage(row, seq, now) });
    }
  });
  return { accepted: accepted.length, ignored };
}
