import { JobListResponse, type JobSummary, PhotoListResponse } from "@rapidphoto/protocol";
import { apiRequest } from "./client";

/**
 * Upload jobs and the photo library (DESIGN §4 queries). Keys live here so pushes, polling and
 * components all name the same cache entries. The query client is cleared when the session ends
 * (SessionSync), so these keys need no token in them.
 */
export const uploadKeys = {
  /** `GET /queries/upload-jobs?active=true`: the caller's recent jobs, from any tab or device. */
  active: () => ["upload-jobs", "active"] as const,
  job: (jobId: string) => ["upload-jobs", "job", jobId] as const,
};

export const photoKeys = {
  all: ["photos"] as const,
  list: () => ["photos", "list"] as const,
};

/** Photos per library page: about four screens of thumbnails, well under the API's 200. */
export const PHOTO_PAGE_SIZE = 60;

export function fetchActiveJobs(token: string, signal?: AbortSignal): Promise<JobSummary[]> {
  return apiRequest("/queries/upload-jobs?active=true", { token, signal, schema: JobListResponse }).then(
    (body) => body.items,
  );
}

export function fetchPhotos(token: string, cursor: string | undefined, signal?: AbortSignal) {
  const query = new URLSearchParams({ limit: String(PHOTO_PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  return apiRequest(`/queries/photos?${query}`, { token, signal, schema: PhotoListResponse });
}
