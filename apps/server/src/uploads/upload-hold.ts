import { AWAITING_BYTES_STATUSES, type HoldRequest, type HoldResponse } from "@rapidphoto/protocol";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { photos } from "../db/schema.js";
import { photoMessage, photoPushColumns } from "../photos/push-messages.js";
import type { UploadContext } from "./upload-context.js";

/**
 * The sending tab's heartbeat: it still holds these files, though it sends no byte of them now
 * (queued behind others, or paused). Renews their sender lease, even one that lapsed (the tab was
 * asleep): the file is there, only the clock ran. Photos of other users or no longer waiting for
 * bytes are skipped, never an error, so a stale list costs nothing.
 *
 * A photo whose lapse was already announced (its lease cleared, lease-lapse.ts) gets a push saying
 * it is held again, so the user's other tabs stop showing it as needing its file.
 */
export async function holdPhotos(ctx: UploadContext, userId: string, request: HoldRequest): Promise<HoldResponse> {
  const named = and(
    eq(photos.userId, userId),
    inArray(photos.id, [...new Set(request.photoIds)]),
    inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
  );
  const announced = await ctx.db
    .select({ id: photos.id })
    .from(photos)
    .where(and(named, isNull(photos.senderLeaseUntil)));
  const held = await ctx.db
    .update(photos)
    .set({ senderLeaseUntil: ctx.leaseUntil() })
    .where(named)
    .returning(photoPushColumns(sql`(select seq from upload_jobs where upload_jobs.id = ${photos.jobId})`));
  if (announced.length > 0) {
    const revived = new Set(announced.map((p) => p.id));
    const now = ctx.now();
    for (const photo of held) {
      // At the job's current seq, like progress: no count or status changed.
      if (revived.has(photo.id))
        await ctx.publish({ userId, kind: "progress", message: photoMessage(photo, photo.seq, now) });
    }
  }
  return { held: held.length };
}
