import {
  isStored,
  LIBRARY_PHOTO_STATUSES,
  type PhotoDetail,
  type PhotoListItem,
  type PhotoListQuery,
  type PhotoListResponse,
  type PhotoSort,
  type PhotoStatus,
  type PhotoView,
  RECENT_UPLOAD_DAYS,
} from "@rapidphoto/protocol";
import { and, desc, eq, gt, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type PhotoRow, photos } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import type { ObjectStorage } from "../storage/storage.js";

// Thumbnail and download links live as long as a browsing session reasonably does.
const VIEW_URL_TTL_SECONDS = 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What each sort orders by, newest first; ties broken by id so pages never overlap. */
const SORT_KEYS: Record<PhotoSort, SQL> = {
  uploaded: sql`${photos.createdAt}`,
  // Photo apps group by when a photo was taken; one without EXIF date sits where it was uploaded.
  taken: sql`coalesce(${photos.takenAt}, ${photos.createdAt})`,
  trashed: sql`${photos.trashedAt}`,
};

/** Exact microseconds of a timestamp (a JS Date keeps only milliseconds, which would skip rows at page edges). */
const microsOf = (key: SQL) => sql<string>`(extract(epoch from ${key}) * 1000000)::bigint::text`;

/**
 * The columns a list item is made of. A list reads only these, not the whole row: the rest (the EXIF
 * summary as JSON, storage keys, hashes, the upload's bookkeeping, the error) is never shown in a list,
 * and a library page or a patch of newly processed photos read and parsed it for every photo.
 */
const LIST_COLUMNS = {
  id: photos.id,
  jobId: photos.jobId,
  filename: photos.filename,
  mimeType: photos.mimeType,
  bytes: photos.bytes,
  status: photos.status,
  width: photos.width,
  height: photos.height,
  thumbSmallKey: photos.thumbSmallKey,
  takenAt: photos.takenAt,
  createdAt: photos.createdAt,
  trashedAt: photos.trashedAt,
};
type ListRow = Pick<PhotoRow, keyof typeof LIST_COLUMNS>;

export type LibraryQueries = ReturnType<typeof createLibraryQueries>;

/** The library's read side: lists (library, recent, Trash, search, by ids) and one photo's detail. */
export function createLibraryQueries({ db, storage }: { db: Db; storage: ObjectStorage }) {
  const signedGet = (key: string | null, downloadFilename?: string) =>
    key
      ? storage.presignGet(key, {
          expiresInSec: VIEW_URL_TTL_SECONDS,
          ...(downloadFilename ? { downloadFilename } : {}),
        })
      : Promise.resolve(null);

  async function listItem(p: ListRow): Promise<PhotoListItem> {
    return {
      photoId: p.id,
      jobId: p.jobId,
      filename: p.filename,
      mimeType: p.mimeType,
      bytes: p.bytes,
      status: p.status as PhotoStatus,
      width: p.width,
      height: p.height,
      thumbnailUrl: await signedGet(p.thumbSmallKey),
      takenAt: p.takenAt?.toISOString() ?? null,
      createdAt: p.createdAt.toISOString(),
      trashedAt: p.trashedAt?.toISOString() ?? null,
    };
  }

  return {
    async listPhotos(userId: string, query: PhotoListQuery): Promise<PhotoListResponse> {
      const sort = query.sort ?? (query.in === "trash" ? "trashed" : "uploaded");
      const key = SORT_KEYS[sort];
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const limit = query.ids ? query.ids.length : query.limit;
      const page = await db
        .select({ photo: LIST_COLUMNS, key: microsOf(key) })
        .from(photos)
        .where(
          and(
            eq(photos.userId, userId),
            inArray(photos.status, [...LIBRARY_PHOTO_STATUSES]),
            ...viewFilter(query.in),
            query.q ? sql`${photos.filename} ilike ${containsPattern(query.q)} escape '\\'` : undefined,
            query.ids ? inArray(photos.id, query.ids) : undefined,
            after
              ? sql`(${key}, ${photos.id}) < (timestamptz 'epoch' + ${after.micros}::bigint * interval '1 microsecond', ${after.id})`
              : undefined,
          ),
        )
        .orderBy(desc(key), desc(photos.id))
        .limit(limit + 1);
      const more = page.length > limit;
      const rows = page.slice(0, limit);
      const last = rows.at(-1);
      return {
        items: await Promise.all(rows.map((r) => listItem(r.photo))),
        nextCursor: more && last ? encodeCursor(last.key, last.photo.id) : null,
      };
    },

    async getPhoto(userId: string, photoId: string): Promise<PhotoDetail> {
      const [p] = await db
        .select()
        .from(photos)
        .where(and(eq(photos.id, photoId), eq(photos.userId, userId)));
      if (!p) throw new AppError("PHOTO_NOT_FOUND");
      const stored = isStored(p.status as PhotoStatus);
      const [item, small, large, download] = await Promise.all([
        listItem(p),
        signedGet(p.thumbSmallKey),
        signedGet(p.thumbLargeKey),
        stored ? signedGet(p.storageKey, p.filename) : Promise.resolve(null),
      ]);
      return {
        ...item,
        checksum: p.checksum,
        exif: p.exif ?? null,
        thumbnails: { small, large },
        downloadUrl: download,
        errorMessage: p.errorMessage,
      };
    },
  };
}

function viewFilter(view: PhotoView): SQL[] {
  switch (view) {
    case "library":
      return [isNull(photos.trashedAt)];
    case "recent":
      return [isNull(photos.trashedAt), gt(photos.createdAt, new Date(Date.now() - RECENT_UPLOAD_DAYS * DAY_MS))];
    case "trash":
      return [isNotNull(photos.trashedAt)];
  }
}

/** ILIKE pattern matching `text` anywhere, with the user's `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Keyset cursor over (sort key in µs, id): stable while new photos arrive at the top. */
function encodeCursor(micros: string, id: string): string {
  return Buffer.from(`${micros}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { micros: string; id: string } {
  const [micros, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!id || !micros || !/^-?\d{1,19}$/.test(micros)) {
    throw new AppError("VALIDATION_FAILED", "That cursor is not valid.", { fieldErrors: { cursor: ["Not valid."] } });
  }
  return { micros, id };
}
