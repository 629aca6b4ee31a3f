import { AWAITING_BYTES_STATUSES, type HoldRequest, type HoldResponse } from "@rapidphoto/protocol";
import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { photos, uploadJobs } from "../db/schema.js";
import { photoPushFields } from "../photos/push-messages.js";
import { pushLeaseChanges } from "./lease-pushes.js";
import type { UploadContext } from "./upload-context.js";

/**
 * The sending tab's heartbeat: it still holds these files, though it sends no byte of them now
 * (queued behind others, or paused). Renews their sender lease, even one that lapsed (the tab was
 * asleep): the file is there, only the clock ran. Photos of other users or no longer waiting for
 * bytes are skipped, never an error, so a stale list costs nothing.
 *
 * A photo whose lapse was already announced (its lease cleared, lease-lapse.ts) is held again with
 * a push that says so, at the job's next `seq`, so the user's other tabs stop showing it as needing
 * its file.
 */
export async function holdPhotos(ctx: UploadContext, userId: string, request: HoldRequest): Promise<HoldResponse> {
  const ids = [...new Set(request.photoIds)];
  const named = and(
    eq(photos.userId, userId),
    inArray(photos.id, ids),
    inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
  );
  // The usual heartbeat, one statement: every named photo is still held (its lapse, if any, not
  // announced), so renewing it changes nothing anyone was told and needs no push. A lapse announced
  // meanwhile is not renewed here (its lease is null by the time this statement writes the row).
  const renewed = await ctx.db
    .update(photos)
    .set({ senderLeaseUntil: ctx.leaseUntil() })
    .where(and(named, isNotNull(photos.senderLeaseUntil)))
    .returning({ id: photos.id });
  if (renewed.length === ids.length) return { held: renewed.length };
  return { held: renewed.length + (await holdAnnounced(ctx, named)) };
}

/**
 * The named photos whose lapse was announced, held again: their jobs locked first (in id order, so
 * two heartbeats never wait on each other), as for every change of a job's photos, so the pushes
 * take `seq`s no other change takes and leave in `seq` order. Usually there are none (the rest of
 * the list was stale): a transaction that finds nothing to lock.
 */
async function holdAnnounced(ctx: UploadContext, named: ReturnType<typeof and>): Promise<number> {
  const announced = and(named, isNull(photos.senderLeaseUntil));
  return ctx.db.transaction(async (tx) => {
    const jobs = await tx
      .select({ id: uploadJobs.id, userId: uploadJobs.userId, seq: uploadJobs.seq })
      .from(uploadJobs)
      .where(inArray(uploadJobs.id, tx.select({ id: photos.jobId }).from(photos).where(announced)))
      .orderBy(uploadJobs.id)
      .for("update");
    if (jobs.length === 0) return 0;
    const held = await tx
      .update(photos)
      .set({ senderLeaseUntil: ctx.leaseUntil() })
      .where(
        and(
          announced,
          inArray(
            photos.jobId,
            jobs.map((job) => job.id),
          ),
        ),
      )
      .returning(photoPushFields);
    const now = ctx.now();
    for (const job of jobs) {
      const revived = held.filter((photo) => photo.jobId === job.id);
      await pushLeaseChanges(tx, ctx.publish, job, revived, false, now);
    }
    return held.length;
  });
}
