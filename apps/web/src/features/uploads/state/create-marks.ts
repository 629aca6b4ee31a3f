import type { UploadApi } from "@rapidphoto/uploader";

/**
 * The API client, keeping for each job it creates what `mark()` said when the create was sent
 * (`sentAt(jobId)`): LiveSync's `liveSince`, so the live sync knows which of this tab's jobs began
 * while it was listening (LiveSync `createSentAt`).
 */
export function withCreateMarks<A extends Pick<UploadApi, "createJob">>(
  api: A,
  mark: () => number,
): A & { sentAt(jobId: string): number | undefined } {
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
  };
}
