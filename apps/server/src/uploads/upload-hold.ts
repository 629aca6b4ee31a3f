import { AWAITING_BYTES_STATUSES, type HoldRequest, type HoldResponse } from "@rapidphoto/protocol";
import { and, eq, inArray } from "drizzle-orm";
import { photos } from "../db/schema.js";
import type { UploadContext } from "./upload-context.js";

/**
 * The sending tab's heartbeat: it still holds these files, though it sends no byte of them now
 * (queued behind others, or paused). Renews their sender lease, even one that lapsed (the tab was
 * asleep): the file is there, only the clock ran. Photos of other users or no longer waiting for
 * bytes are skipped, never an error, so a stale list costs nothing.
 */
export async function holdPhotos(ctx: UploadContext, userId: string, request: HoldRequest): Promise<HoldResponse> {
  const held = await ctx.db
    .update(photos)
    .set({ senderLeaseUntil: ctx.leaseUntil() })
    .where(
      and(
        eq(photos.userId, userId),
        inArray(photos.id, [...new Set(request.photoIds)]),
        inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
      ),
    )
    .returning({ id: photos.id });
  return { held: held.length };
}
