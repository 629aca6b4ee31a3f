import type { UploadApi } from "@rapidphoto/uploader";

/**
 * The API client, keeping for each job it creates what `mark()` said when the create was sent
 * (`sentAt(jobId)`): LiveSync's `liveSince`, so the live sync knows which of this tab's jobs began
 * while it was listening (LiveSync `createSentAt`). A mark matters while its job has work left:
 * `forgetEnded` drops the marks of jobs that ended (the session calls it as the engine's jobs
 * change), so a page that uploads batch after batch does not keep one per job it ever created. A
 * job that starts again (a retry) is then fetched once when followed, as a job created elsewhere is.
 */
export function withCreateMarks<A extends Pick<UploadApi, "createJob">>(
  api: A,
  mark: () => number,
): A & {
  sentAt(jobId: string): number | undefined;
  forgetEnded(ended: (jobId: string) => boolean): void;
  readonly markCount: number;
} {
  const marks = new Map<string, number>();
  return {
    ...api,
    createJob: async (body, signal) => {
      const at = mark();
      const answer = await api.createJob(body, signal);
      if (answer.jobId) marks.set(answer.jobId, at);
      return answer;
    },
    sentAt: (jobId) => marks.get(jobId),
    forgetEnded(ended) {
      for (const jobId of marks.keys()) if (ended(jobId)) marks.delete(jobId);
    },
    get markCount() {
      return marks.size;
    },
  };
}
