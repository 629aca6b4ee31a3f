import { JobListResponse, type JobSummary } from "@rapidphoto/protocol";
import { apiRequest } from "@/lib/api/client";

/**
 * Upload jobs (DESIGN §4 queries). Keys live here so pushes, polling and components all name the
 * same cache entries. The query client is cleared when the session ends (SessionSync), so these
 * keys need no token in them.
 */
export const uploadKeys = {
  /** `GET /queries/upload-jobs?active=true`: the caller's recent jobs, from any tab or device. */
  active: () => ["upload-jobs", "active"] as const,
  job: (jobId: string) => ["upload-jobs", "job", jobId] as const,
};

export function fetchActiveJobs(token: string, signal?: AbortSignal): Promise<JobSummary[]> {
  return apiRequest("/queries/upload-jobs?active=true", { token, signal, schema: JobListResponse }).then(
    (body) => body.items,
  );
}
