import {
  isStored,
  type JobSummary,
  type JobView,
  LIBRARY_PHOTO_STATUSES,
  type PhotoDetail,
  type PhotoListItem,
  type PhotoListResponse,
  type PhotoStatus,
  TERMINAL_JOB_STATUSES,
} from "@rapidphoto/protocol";
import { and, asc, desc, eq, gt, inArray, lt, notInArray, or, type SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { countsOf, progressPercent } from "../photos/photo-transitions.js";
import type { ObjectStorage } from "../storage/storage.js";

// Thumbnail and download links live as long as a browsing session reasonably does.
const VIEW_URL_TTL_SECONDS = 60 * 60;
// "Active" jobs for the live panel: unfinished ones, and ones that finished within this window.
const RECENT_JOB_WINDOW_MS = 24 * 60 * 60 * 1000;

export type UploadQueries = ReturnType<typeof createUploadQueries>;

export function createUploadQueries({ db, storage }: { db: Db; storage: ObjectStorage }) {
  const signedGet = (key: string | null, downloadFilename?: string) =>
    key
      ? storage.presignGet(key, {
          expiresInSec: VIEW_URL_TTL_SECONDS,
          ...(downloadFilename ? { downloadFilename } : {}),
        })
      : Promise.resolve(null);

  async function listItem(p: PhotoRow): Promise<PhotoListItem> {
    return {
      photoId: p.id,
      filename: p.filename,
      mimeType: p.mimeType,
      bytes: p.bytes,
      status: p.status as PhotoListItem["status"],
      width: p.width,
      height: p.height,
      thumbnailUrl: await signedGet(p.thumbSmallKey),
      takenAt: p.takenAt?.toISOString() ?? null,
      createdAt: p.createdAt.toISOString(),
    };
  }

  return {
    /** Whether the job exists and is this user's (the realtime broker's topic check). */
    async ownsJob(userId: string, jobId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: uploadJobs.id })
        .from(uploadJobs)
        .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
      return Boolean(row);
    },

    async getJob(userId: string, jobId: string): Promise<JobView> {
      const [job] = await db
        .select()
        .from(uploadJobs)
        .where(and(eq(uploadJobs.id, jobId), eq(uploadJobs.userId, userId)));
      if (!job) throw new AppError("JOB_NOT_FOUND");
      const rows = await db.select().from(photos).where(eq(photos.jobId, jobId)).orderBy(asc(photos.position));
      return {
        ...jobSummary(job),
        photos: rows.map((p) => ({
          photoId: p.id,
          clientId: p.clientId,
          filename: p.filename,
          bytes: p.bytes,
          status: p.status as JobView["photos"][number]["status"],
          progressPercent: progressPercent(p),
          errorMessage: p.errorMessage,
        })),
      };
    },

    async listJobs(userId: string, opts: { active: boolean; limit: number }): Promise<{ items: JobSummary[] }> {
      const conditions: SQL[] = [eq(uploadJobs.userId, userId)];
      if (opts.active) {
        const recent = or(
          notInArray(uploadJobs.status, [...TERMINAL_JOB_STATUSES]),
          gt(uploadJobs.updatedAt, new Date(Date.now() - RECENT_JOB_WINDOW_MS)),
        );
        if (recent) conditions.push(recent);
      }
      const rows = await db
        .select()
        .from(uploadJobs)
        .where(and(...conditions))
        .orderBy(desc(uploadJobs.updatedAt))
        .limit(opts.limit);
      return { items: rows.map(jobSummary) };
    },

    async listPhotos(userId: string, opts: { cursor?: string; limit: number }): Promise<PhotoListResponse> {
      const after = opts.cursor ? decodeCursor(opts.cursor) : null;
      const page = await db
        .select()
        .from(photos)
        .where(
          and(
            eq(photos.userId, userId),
            inArray(photos.status, [...LIBRARY_PHOTO_STATUSES]),
            after
              ? or(
                  lt(photos.createdAt, after.createdAt),
                  and(eq(photos.createdAt, after.createdAt), lt(photos.id, after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(photos.createdAt), desc(photos.id))
        .limit(opts.limit + 1);
      const more = page.length > opts.limit;
      const items = page.slice(0, opts.limit);
      const last = items.at(-1);
      return {
        items: await Promise.all(items.map(listItem)),
        nextCursor: more && last ? encodeCursor(last) : null,
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
        jobId: p.jobId,
        checksum: p.checksum,
        exif: p.exif ?? null,
        thumbnails: { small, large },
        downloadUrl: download,
        errorMessage: p.errorMessage,
      };
    },
  };
}

function jobSummary(job: JobRow): JobSummary {
  return {
    jobId: job.id,
    status: job.status as JobSummary["status"],
    seq: job.seq,
    ...countsOf(job),
    totalBytes: job.totalBytes,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}

/** Keyset cursor over (createdAt, id): stable while new photos arrive at the top. */
function encodeCursor(p: PhotoRow): string {
  return Buffer.from(`${p.createdAt.toISOString()}|${p.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso ?? "");
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new AppError("VALIDATION_FAILED", "That cursor is not valid.", { fieldErrors: { cursor: ["Not valid."] } });
  }
  return { createdAt, id };
}
