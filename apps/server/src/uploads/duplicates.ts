import type { PhotoStatus } from "@rapidphoto/protocol";
import { and, asc, type Column, eq, inArray, isNotNull, isNull, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { photos } from "../db/schema.js";

export type KnownPhoto = { photoId: string; status: PhotoStatus; inTrash: boolean };

/**
 * The photos of `userId` a file can be answered as a duplicate of (see `findKnownPhotos` for why
 * these), narrowed by `hash` applied to the column each one's hash is in: the worker's checksum of
 * a COMPLETED photo, the declared sha256 of a PROCESSING one. Job creation and the size check
 * both read this one condition (the size check adds the PROCESSING photos job creation can hash on
 * demand), so a size the check leaves out can never be answered a duplicate.
 */
export function duplicateSourceCondition(userId: string, hash: (column: Column) => SQL): SQL {
  // and() answers undefined only when given no conditions.
  return and(
    eq(photos.userId, userId),
    isNull(photos.purgingSince),
    or(
      and(eq(photos.status, "COMPLETED"), hash(photos.checksum)),
      and(eq(photos.status, "PROCESSING"), hash(photos.declaredSha256)),
    ),
  ) as SQL;
}

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
    .where(duplicateSourceCondition(userId, (column) => inArray(column, hashes)));
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

/**
 * The photos of `userId` job creation can give a hash on demand (hash-stored-photos.ts): stored and
 * still processing, uploaded without a declared hash, not being deleted forever.
 */
export function hashableOnDemandCondition(userId: string): SQL {
  return and(
    eq(photos.userId, userId),
    isNull(photos.purgingSince),
    eq(photos.status, "PROCESSING"),
    isNull(photos.declaredSha256),
  ) as SQL;
}

/**
 * Which of `sizes` some photo a duplicate could be answered with has (`DuplicateSizesRequest`):
 * distinct, ascending. A file of any other size cannot be a duplicate, so it need not be hashed.
 * Those photos are `duplicateSourceCondition`'s with any hash, and the PROCESSING ones uploaded
 * without a hash: job creation hashes their stored bytes when a hashed file of their size comes
 * (hash-stored-photos.ts), so a file dropped again while its first copy processes is answered too.
 * Reads the (user_id, bytes) index, so it stays cheap in a large library.
 */
export async function findDuplicateSizes(db: Db, userId: string, sizes: number[]): Promise<number[]> {
  const asked = [...new Set(sizes)];
  if (asked.length === 0) return [];
  const stored = or(duplicateSourceCondition(userId, isNotNull), hashableOnDemandCondition(userId));
  const rows = await db
    .selectDistinct({ bytes: photos.bytes })
    .from(photos)
    .where(and(stored, inArray(photos.bytes, asked)))
    .orderBy(asc(photos.bytes));
  return rows.map((row) => row.bytes);
}
