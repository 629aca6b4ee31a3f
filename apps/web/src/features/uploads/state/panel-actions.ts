import { isTerminalPhoto } from "@rapidphoto/protocol";
import { isApiError } from "@/lib/api/client";
import { type RemoteRow, remoteRowKey } from "./panel-rows";
import { clearPhotosForGood, clearRows, dismissJobs } from "./upload-panel-store";
import type { UploadSession } from "./upload-session";

/**
 * The panel's batch actions. This tab's files go through the engine; rows from elsewhere through
 * the server (cancel) or only out of sight (clear), since this tab has no file for them.
 */

/**
 * The server's answer to cancelling what finished meanwhile (409: completed, failed or cancelled by
 * then; its row follows from the live status): nothing is left to cancel, which is not a failure.
 */
export function finishedBeforeCancel(error: unknown): boolean {
  return isApiError(error) && error.status === 409;
}

/**
 * What a row says when cancelling a photo sent from elsewhere failed: a notice when it had already
 * finished (`finishedBeforeCancel`), an error otherwise; the server's words either way.
 */
export function cancelFailureNotice(
  filename: string,
  error: unknown,
): { tone: "info" | "error"; title: string; description: string } {
  const description = error instanceof Error ? error.message : String(error);
  return finishedBeforeCancel(error)
    ? { tone: "info", title: `${filename} had already finished`, description }
    : { tone: "error", title: `Couldn't cancel ${filename}`, description };
}

/** Cancels every unfinished file: this tab's in the engine, other tabs' jobs on the server. */
export async function cancelAll(session: UploadSession, remote: Iterable<RemoteRow>): Promise<void> {
  const jobs = new Set<string>();
  for (const row of remote) if (!isTerminalPhoto(row.status)) jobs.add(row.jobId);
  const elsewhere = [...jobs].map((jobId) =>
    session.cancelElsewhere({ jobId }).catch((error: unknown) => {
      if (!finishedBeforeCancel(error)) throw error;
    }),
  );
  await Promise.all([session.cancel(), ...elsewhere]);
}

/**
 * Removes completed rows, and only those: failed ones stay, before and after a reload. A job whose
 * every photo completed is dismissed whole; in a job that also has failures, the completed photos
 * are cleared one by one (as the rows a reload will list them as), so the job's failed rows remain.
 */
export function clearCompleted(session: UploadSession, remote: Iterable<RemoteRow>): void {
  const rows = [...remote];
  const files = Object.values(session.uploader.store.getState().files);
  const dismissed = new Set([...finishedLocalJobs(session, true), ...finishedRemoteJobs(rows, true)]);
  dismissJobs(dismissed);
  // A dismissed job hides all its photos already: only the others' completed photos are kept one by one.
  const kept = (jobId: string | null) => jobId !== null && !dismissed.has(jobId);
  const completedPhotos = [
    ...files
      .filter((f) => f.status === "COMPLETED" && f.photoId && kept(f.jobId))
      .map((f) => remoteRowKey(f.photoId as string)),
    ...rows.filter((row) => row.status === "COMPLETED" && kept(row.jobId)).map((row) => row.key),
  ];
  session.uploader.clearCompleted();
  clearPhotosForGood(completedPhotos);
}

/** Closes the panel when nothing is in flight: every row goes, and its jobs stay cleared. */
export function clearAll(session: UploadSession, remote: Iterable<RemoteRow>): void {
  const rows = [...remote];
  dismissJobs([...finishedLocalJobs(session), ...finishedRemoteJobs(rows)]);
  session.uploader.clearCompleted();
  clearRows([...session.uploader.store.getState().order, ...rows.map((row) => row.key)]);
}

/** A photo that keeps its job listed: unfinished, or (when `completedOnly`) anything but completed. */
const keepsJob = (status: RemoteRow["status"], completedOnly: boolean) =>
  completedOnly ? status !== "COMPLETED" : !isTerminalPhoto(status);

/** Jobs of this tab whose every file is finished (`completedOnly`: completed). */
function finishedLocalJobs(session: UploadSession, completedOnly = false): string[] {
  const open = new Set<string>();
  const all = new Set<string>();
  for (const file of Object.values(session.uploader.store.getState().files)) {
    if (!file.jobId) continue;
    all.add(file.jobId);
    if (keepsJob(file.status, completedOnly)) open.add(file.jobId);
  }
  return [...all].filter((jobId) => !open.has(jobId));
}

function finishedRemoteJobs(rows: RemoteRow[], completedOnly = false): string[] {
  const open = new Set(rows.filter((row) => keepsJob(row.status, completedOnly)).map((row) => row.jobId));
  return [...new Set(rows.map((row) => row.jobId))].filter((jobId) => !open.has(jobId));
}
