import type { PhotoStatus } from "@rapidphoto/protocol";
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { photos } from "../db/schema.js";

export type KnownPhoto = { photoId: string; status: PhotoStatus; inTrash: boolean };

/**
 * Which of `hashes` the user already has: a COMPLETED photo whose bytes the worker hashed, or a
 * PROCESSING photo whose bytes are stored under that declared hash (the worker still checks it).
 * Only the caller's own rows are read, so another user's photos cannot be found, not even by
 * timing. Photos still awaiting bytes do not count: the tab sending them may be gone, and the
 * re-picked file must then be able to finish as a new upload. Failed photos do not count either.
 *
 * A photo in Trash counts, flagged `inTrash`: the person is offered to restore it rather than
 * keep two copies. A photo being deleted forever (purging) does not: it is going away.
 */
export async function findKnownPhotos(db: Db, userId: string, hashes: string[]): Promise<Map<string, KnownPhoto>> {
  const known = new Map<string, KnownPhoto>();
  if (hashes.length === 0) return known;
  const rows = await db
    .select({
      id: photos.id,
      status: photos.status,
      checksum: photos.checksum,
      declaredSha256: photos.declaredSha256,
      createdAt: photos.createdAt,
      trashedAt: photos.trashedAt,
    })
    .from(photos)
    .where(
      and(
        eq(photos.userId, userId),
        isNull(photos.purgingSince),
        or(
          and(eq(photos.status, "COMPLETED"), inArray(photos.checksum, hashes)),
          and(eq(photos.status, "PROCESSING"), inArray(photos.declaredSha256, hashes)),
        ),
      ),
    );
  // A copy in the library beats one in Trash, a completed copy beats one still processing, and the
  // oldest answers among equals, so the same file keeps naming the same photo.
  rows.sort(
    (a, b) =>
      Number(a.trashedAt !== null) - Number(b.trashedAt !== null) ||
      Number(b.status === "COMPLETED") - Number(a.status === "COMPLETED") ||
      a.createdAt.getTime() - b.createdAt.getTime(),
  );
  for (const row of rows) {
    const hash = (row.status === "COMPLETED" ? row.checksum : row.declaredSha256) as string;
    if (!known.has(hash))
      known.set(hash, { photoId: row.id, status: row.status as PhotoStatus, inTrash: row.trashedAt !== null });
  }
  return known;
}
