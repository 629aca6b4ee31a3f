import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { and, asc, eq, inArray } from "drizzle-orm";
import pLimit from "p-limit";
import { photos } from "../db/schema.js";
import { hashableOnDemandCondition } from "./duplicates.js";
import type { UploadContext } from "./upload-context.js";

// Stored photos read at once for one job creation: enough to overlap storage's latency, few enough
// that one person's re-drop does not take every read the server has.
const READS_AT_ONCE = 4;

/**
 * Gives a hash to the user's stored, still-processing photos of `sizes` that were uploaded without
 * one, by reading their bytes from storage; answers how many it hashed.
 *
 * Why: a client hashes only the files whose size some photo of the library has (duplicate-sizes), so
 * a photo may arrive unhashed, and until the worker has processed it nothing says what it holds. The
 * same file dropped again in that window (a reload and a re-drop while 300 photos still process) has a
 * size the library has, so the client hashes it; job creation then calls this for the sizes of the
 * hashed files it found no photo for, and finds the stored copy by the hash written here. The rare
 * re-drop pays one read of the photos of its sizes, instead of every upload paying a hash in the page.
 *
 * The hash is written as the photo's declared sha256: it is what its stored bytes are (the worker
 * checks its own digest against it as against a client's), and a later job finds it without reading
 * again. A photo whose bytes cannot be read (cancelled or purged meanwhile, storage unreachable) is
 * left unhashed: the file is then uploaded again, as a new photo, and nothing is lost. So are photos
 * past `ctx.hashStoredMaxBytes` read for one request (smallest first, so one huge photo does not keep
 * many small ones from being answered): the request's time stays bounded whatever was stored.
 */
export async function hashStoredPhotos(ctx: UploadContext, userId: string, sizes: number[]): Promise<number> {
  const { db, storage, logger } = ctx;
  if (sizes.length === 0 || ctx.hashStoredMaxBytes === 0) return 0;
  const hashable = hashableOnDemandCondition(userId);
  const rows = await db
    .select({ id: photos.id, storageKey: photos.storageKey, bytes: photos.bytes })
    .from(photos)
    .where(and(hashable, inArray(photos.bytes, [...new Set(sizes)])))
    .orderBy(asc(photos.bytes), asc(photos.id));
  // Smallest first, as many as fit (rows are ascending by size, so the first that does not fit ends it).
  const within: typeof rows = [];
  let read = 0;
  for (const row of rows) {
    read += row.bytes;
    if (read > ctx.hashStoredMaxBytes) break;
    within.push(row);
  }
  if (within.length < rows.length) {
    logger.info(
      { left: rows.length - within.length },
      "stored photos past the per-request hashing budget left unhashed",
    );
  }
  const limit = pLimit(READS_AT_ONCE);
  const hashed = await Promise.all(
    within.map((row) =>
      limit(async () => {
        let sha256: string;
        try {
          const digest = createHash("sha256");
          await pipeline(await storage.read(row.storageKey), digest);
          sha256 = digest.digest("hex");
        } catch (error) {
          logger.warn(
            { err: error, photoId: row.id },
            "could not read a stored photo to hash it; a re-drop of it uploads again",
          );
          return 0;
        }
        // Only while it still processes unhashed: the worker may have finished it meanwhile (its
        // checksum then answers), and a cancel may have taken it.
        const updated = await db
          .update(photos)
          .set({ declaredSha256: sha256 })
          .where(and(eq(photos.id, row.id), hashable))
          .returning({ id: photos.id });
        return updated.length;
      }),
    ),
  );
  return hashed.reduce((sum, n) => sum + n, 0);
}
