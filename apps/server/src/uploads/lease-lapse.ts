import { and, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { photos, uploadJobs } from "../db/schema.js";
import { pushLeaseChanges } from "./lease-pushes.js";
import type { UploadContext } from "./upload-context.js";

/** How often lapsed sender leases are looked for: a tab learns of a stranded photo this long after the lapse at most. */
export const LEASE_LAPSE_CHECK_MS = 15_000;

/**
 * Tells the user's other tabs and devices that nobody is sending a photo any more: for each photo
 * still waiting for bytes whose sender lease lapsed, a photo push with `waitingForFile: true` (its
 * job's `seq` bumped, as for any change a job view shows), so an open panel shows "Needs the file
 * again" without waiting for its next fetch of the job.
 *
 * The lease is cleared as it is announced (null reads as lapsed everywhere), so each lapse is
 * announced once, whichever instance sweeps first; a sending call sets a new lease as before. The
 * photo's `updatedAt` is left alone: the expiry of abandoned uploads goes by it.
 */
export async function announceLapsedLeases(ctx: UploadContext, limit = 500): Promise<number> {
  const now = ctx.now();
  // Spelled as photos_sender_lease_idx's predicate (literals, not parameters), so the planner
  // reads that small index instead of every photo.
  const lapsed = and(
    sql`${photos.status} in ('QUEUED', 'UPLOADING')`,
    isNotNull(photos.senderLeaseUntil),
    lt(photos.senderLeaseUntil, now),
  );
  const found = await ctx.db.select({ id: photos.id, jobId: photos.jobId }).from(photos).where(lapsed).limit(limit);
  const byJob = new Map<string, string[]>();
  for (const p of found) {
    const ids = byJob.get(p.jobId);
    if (ids) ids.push(p.id);
    else byJob.set(p.jobId, [p.id]);
  }
  let announced = 0;
  for (const [jobId, ids] of byJob) {
    announced += await ctx.db.transaction(async (tx) => {
      // The job row locked, as for every change of its photos: pushes leave in seq order.
      const [job] = await tx.select().from(uploadJobs).where(eq(uploadJobs.id, jobId)).for("update");
      if (!job) return 0;
      const cleared = await tx
        .update(photos)
        .set({ senderLeaseUntil: null })
        .where(and(eq(photos.jobId, jobId), inArray(photos.id, ids), lapsed))
        .returning();
      // Nothing cleared (another instance announced them first, or a sender came back): no push.
      await pushLeaseChanges(tx, ctx.publish, job, cleared, true, now);
      return cleared.length;
    });
  }
  return announced;
}
