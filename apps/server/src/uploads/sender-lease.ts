import { AWAITING_BYTES_STATUSES } from "@rapidphoto/protocol";
import { and, eq, gte, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { photos } from "../db/schema.js";
import type { UploadContext } from "./upload-context.js";

/**
 * The sender lease of a job's waiting photos, as calls from the sending tab keep it (see the README's
 * "The sender lease"). A progress report or a finalize says the tab is alive and sending this job,
 * so it also keeps holding the job's photos it still held (queued behind the ones it sends); a photo
 * whose lease already lapsed waits for a call about itself. Renewal is a write per photo, so a held
 * lease is renewed only once less than half of it is left: most calls renew nothing.
 */

/** A lease still held (not lapsed) with less than half of it left: due for renewal. */
export function heldLeaseDue(ctx: UploadContext): SQL {
  return and(gte(photos.senderLeaseUntil, ctx.now()), lt(photos.senderLeaseUntil, ctx.leaseRenewBefore())) as SQL;
}

/** The lease after a call: renewed when it is due (or missing), otherwise left as it is. */
export function renewedLease(ctx: UploadContext): SQL<Date> {
  const due = or(isNull(photos.senderLeaseUntil), lt(photos.senderLeaseUntil, ctx.leaseRenewBefore()));
  return sql<Date>`case when ${due} then ${ctx.leaseUntil().toISOString()}::timestamptz else ${photos.senderLeaseUntil} end`;
}

/** After a finalize: the job's other held photos stay held (one statement, usually touching no row). */
export async function holdJobLeases(ctx: UploadContext, jobId: string): Promise<void> {
  await ctx.db
    .update(photos)
    .set({ senderLeaseUntil: ctx.leaseUntil() })
    .where(and(eq(photos.jobId, jobId), inArray(photos.status, [...AWAITING_BYTES_STATUSES]), heldLeaseDue(ctx)));
}
