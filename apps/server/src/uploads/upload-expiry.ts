import { AWAITING_BYTES_STATUSES } from "@rapidphoto/protocol";
import { and, inArray, lt } from "drizzle-orm";
import { type PhotoRow, photos } from "../db/schema.js";
import type { UploadContext } from "./upload-context.js";

/** How often abandoned uploads are looked for. */
export const UPLOAD_EXPIRY_CHECK_MS = 10 * 60 * 1000;

/**
 * Fails photos whose upload was abandoned (no progress, finalize or sign for `olderThanMs`), so
 * their jobs finish and their half-uploaded parts are removed. Safe to run on every instance.
 */
export async function expireStaleUploads(ctx: UploadContext, olderThanMs: number, limit = 500): Promise<number> {
  const stale = await ctx.db
    .select()
    .from(photos)
    .where(
      and(
        inArray(photos.status, [...AWAITING_BYTES_STATUSES]),
        lt(photos.updatedAt, new Date(ctx.now().getTime() - olderThanMs)),
      ),
    )
    .limit(limit);
  const byJob = new Map<string, PhotoRow[]>();
  for (const p of stale) byJob.set(p.jobId, [...(byJob.get(p.jobId) ?? []), p]);
  let expired = 0;
  for (const [jobId, rows] of byJob) {
    const { changed } = await ctx.transition(
      jobId,
      rows.map((p) => ({
        photoId: p.id,
        to: "FAILED" as const,
        from: AWAITING_BYTES_STATUSES,
        patch: { uploadId: null, errorMessage: "The upload did not finish in time. Retry to send it again." },
      })),
      "skip",
    );
    const failed = new Set(changed.map((c) => c.id));
    await ctx.inStorage(
      rows.filter((p) => failed.has(p.id)),
      (p) => ctx.discardUpload(p, p.uploadId),
    );
    expired += changed.length;
  }
  return expired;
}
