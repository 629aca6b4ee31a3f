import { isTerminalJob, type JobSummary, type JobView } from "@rapidphoto/protocol";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useSyncExternalStore } from "react";
import { useStore } from "zustand";
import { useSession } from "@/lib/session/session-store";
import { fetchActiveJobs, uploadKeys } from "../api/upload-jobs";
import { ownJobsKey } from "../state/local-panel";
import { useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";

/**
 * A finished job from elsewhere is still shown this long after it finished (a reload right after
 * an upload still shows how it went); older ones only clutter the panel. Unfinished jobs always show.
 */
export const FINISHED_JOB_SHOWN_MS = 15 * 60 * 1000;

/** `GET /queries/upload-jobs?active=true`: the caller's recent jobs, kept fresh by pushes. */
export function useActiveJobs() {
  const token = useSession((state) => state.session?.token ?? null);
  return useQuery({
    queryKey: uploadKeys.active(),
    queryFn: ({ signal }) => fetchActiveJobs(token as string, signal),
    enabled: token !== null,
  });
}

/**
 * Jobs this tab did not start (another tab, or this tab before a reload) that the panel shows:
 * unfinished ones, and recently finished ones nobody cleared away. None until the uploads of an
 * earlier page are restored: its jobs are this tab's own again once they are.
 */
export function useForeignJobs(session: UploadSession): JobSummary[] {
  const restored = useRestored(session);
  const { data } = useActiveJobs();
  const ownJobs = useStore(session.uploader.store, ownJobsKey);
  const dismissed = useUploadPanel((state) => state.dismissedJobs);
  const previous = useRef<JobSummary[]>([]);
  return useMemo(() => {
    const cleared = new Set(dismissed);
    const own = new Set(ownJobs.split(","));
    const now = Date.now();
    const jobs = (restored ? (data ?? []) : []).filter(
      (job) =>
        !own.has(job.jobId) &&
        !cleared.has(job.jobId) &&
        (!isTerminalJob(job.status) || now - Date.parse(job.updatedAt) < FINISHED_JOB_SHOWN_MS),
    );
    // Counts change with every push; consumers care which jobs and whether they are finished.
    const same =
      jobs.length === previous.current.length &&
      jobs.every((job, i) => job.jobId === previous.current[i]?.jobId && job.status === previous.current[i]?.status);
    if (!same) previous.current = jobs;
    return previous.current;
  }, [restored, data, ownJobs, dismissed]);
}

/** Whether the session's restore of an earlier page's uploads has settled (re-renders once when it does). */
function useRestored(session: UploadSession): boolean {
  const subscribe = useCallback(
    (settled: () => void) => {
      let listening = true;
      void session.restored.then(() => listening && settled());
      return () => {
        listening = false;
      };
    },
    [session],
  );
  return useSyncExternalStore(subscribe, session.isRestored, session.isRestored);
}

/** The full views (photos included) of the given jobs, fetched once and then kept current by pushes. */
export function useJobViews(session: UploadSession, jobIds: readonly string[]): JobView[] {
  const combine = useCallback((results: { data?: JobView }[]) => results.flatMap((r) => (r.data ? [r.data] : [])), []);
  return useQueries({
    queries: jobIds.map((jobId) => jobViewQuery(session, jobId)),
    combine,
  });
}

/** One photo of a cached job view; re-renders only when that photo's row changes. */
export function useJobPhoto(session: UploadSession, jobId: string, photoId: string) {
  const select = useCallback((view: JobView) => view.photos.find((p) => p.photoId === photoId), [photoId]);
  return useQuery({ ...jobViewQuery(session, jobId), select }).data;
}

function jobViewQuery(session: UploadSession, jobId: string) {
  return {
    queryKey: uploadKeys.job(jobId),
    queryFn: ({ signal }: { signal: AbortSignal }) => session.live.fetchJobView(jobId, signal),
    // Pushes keep it current; the live sync refetches on gaps, reconnects and while offline.
    staleTime: Number.POSITIVE_INFINITY,
  };
}
