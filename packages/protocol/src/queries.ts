import { z } from "zod";
import { JobStatus, PhotoCounts, PhotoStatus } from "./statuses.js";
import { JobId, PhotoId } from "./uploads.js";

export const JobPhotoRow = z.object({
  photoId: PhotoId,
  clientId: z.string().nullable(),
  filename: z.string(),
  bytes: z.number(),
  status: PhotoStatus,
  progressPercent: z.number(),
  errorMessage: z.string().nullable(),
  /**
   * Still waiting for its bytes, and no client has sent or signed any for a while (its sender
   * lease lapsed: the tab was closed or reloaded). The file must be picked again to finish it.
   */
  waitingForFile: z.boolean().optional(),
});
export type JobPhotoRow = z.infer<typeof JobPhotoRow>;

export const JobView = z.object({
  jobId: JobId,
  status: JobStatus,
  seq: z.number().int(),
  ...PhotoCounts.shape,
  totalBytes: z.number(),
  photos: z.array(JobPhotoRow),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type JobView = z.infer<typeof JobView>;

export const JobSummary = JobView.omit({ photos: true });
export type JobSummary = z.infer<typeof JobSummary>;
export const JobListResponse = z.object({ items: z.array(JobSummary) });
export type JobListResponse = z.infer<typeof JobListResponse>;

export const JobListQuery = z.object({
  active: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const PhotoListItem = z.object({
  photoId: PhotoId,
  /** The upload job (batch) it came in: Recent groups by it. */
  jobId: JobId,
  filename: z.string(),
  mimeType: z.string(),
  bytes: z.number(),
  status: PhotoStatus,
  width: z.number().nullable(),
  height: z.number().nullable(),
  thumbnailUrl: z.string().nullable(),
  takenAt: z.string().nullable(),
  createdAt: z.string(),
  /** When it went to Trash; null in the library. */
  trashedAt: z.string().nullable(),
});
export type PhotoListItem = z.infer<typeof PhotoListItem>;
export const PhotoListResponse = z.object({ items: z.array(PhotoListItem), nextCursor: z.string().nullable() });
export type PhotoListResponse = z.infer<typeof PhotoListResponse>;

export const PhotoDetail = PhotoListItem.extend({
  checksum: z.string().nullable(),
  exif: z.record(z.string(), z.unknown()).nullable(),
  thumbnails: z.object({ small: z.string().nullable(), large: z.string().nullable() }),
  downloadUrl: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type PhotoDetail = z.infer<typeof PhotoDetail>;
