import { z } from "zod";
import { PhotoId, uniquePhotoIds } from "./uploads.js";

/*
 * The library's read and write side beyond uploads (DESIGN §4, second wave): which photos a list
 * shows (library, recent uploads, Trash), filename search, and the Trash commands.
 */

/** Which photos a list shows. `recent`: uploaded within RECENT_UPLOAD_DAYS, newest first. */
export const PHOTO_VIEWS = ["library", "recent", "trash"] as const;
export const PhotoView = z.enum(PHOTO_VIEWS);
export type PhotoView = z.infer<typeof PhotoView>;
export const RECENT_UPLOAD_DAYS = 30;

/** `uploaded`: by upload time; `taken`: by EXIF date taken (upload time when unknown); `trashed`: Trash only. */
export const PHOTO_SORTS = ["uploaded", "taken", "trashed"] as const;
export const PhotoSort = z.enum(PHOTO_SORTS);
export type PhotoSort = z.infer<typeof PhotoSort>;

export const MAX_SEARCH_LENGTH = 100;
// Control characters and bidi overrides can never be part of a stored filename (see uploads.ts).
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const UNSEARCHABLE = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/** Filename search text: trimmed, 1–100 characters; matched as a plain substring, case-insensitive. */
export const PhotoSearch = z
  .string()
  .trim()
  .min(1, { message: "Type something to search for." })
  .max(MAX_SEARCH_LENGTH, { message: `At most ${MAX_SEARCH_LENGTH} characters.` })
  .refine((q) => !UNSEARCHABLE.test(q), { message: "Contains characters no file name has." });

export const MAX_IDS_PER_QUERY = 200;
/** `ids=ph_a,ph_b`: only these photos (a client refreshing what it was told changed). */
const PhotoIdList = z
  .string()
  .max(MAX_IDS_PER_QUERY * 45)
  .transform((s) => s.split(","))
  .pipe(z.array(PhotoId).min(1).max(MAX_IDS_PER_QUERY));

export const PhotoListQuery = z
  .object({
    in: PhotoView.default("library"),
    /** Default: `trashed` in Trash, `uploaded` elsewhere. */
    sort: PhotoSort.optional(),
    q: PhotoSearch.optional(),
    ids: PhotoIdList.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((v) => v.sort !== "trashed" || v.in === "trash", {
    message: "Only Trash can be sorted by the time photos were trashed.",
    path: ["sort"],
  });
export type PhotoListQuery = z.infer<typeof PhotoListQuery>;

/** Most photos one Trash command takes (a selection larger than this is sent in several). */
export const MAX_PHOTOS_PER_COMMAND = 1000;

/** Trash, restore or delete forever a selection: all of it, or nothing (404/409 name the culprits). */
export const PhotoSelection = z.object({ photoIds: uniquePhotoIds(MAX_PHOTOS_PER_COMMAND) });
export type PhotoSelection = z.infer<typeof PhotoSelection>;

export const TrashResponse = z.object({ photoIds: z.array(PhotoId), trashedAt: z.string() });
export type TrashResponse = z.infer<typeof TrashResponse>;
export const RestoreResponse = z.object({ photoIds: z.array(PhotoId) });
export type RestoreResponse = z.infer<typeof RestoreResponse>;
/** How many photos were removed for good (originals, renditions and rows). */
export const DeleteResponse = z.object({ deleted: z.number().int() });
export type DeleteResponse = z.infer<typeof DeleteResponse>;

/** Trash's settings: how long a photo stays in Trash before it is deleted forever (TRASH_RETENTION_DAYS). */
export const TrashInfo = z.object({ retentionDays: z.number().positive() });
export type TrashInfo = z.infer<typeof TrashInfo>;
