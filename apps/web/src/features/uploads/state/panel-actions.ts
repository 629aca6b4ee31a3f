import { isTerminalPhoto } from "@rapidphoto/protocol";
import type { RemoteRow } from "./panel-rows";
import { clearRows, dismissJobs } from "./upload-panel-store";
import type { UploadSession } from "./upload-session";

/**
 * The panel's batch actions. This tab's files go through the engine; rows from elsewhere through
 * the server (cancel) or only out of sight (clear), since this tab has no file for them.
 */

/** Cancels every unfinished file: this tab's in the engine, other tabs' jobs on the server. */
export async function cancelAll(session: UploadSession, remote: Iterable<RemoteRow>): Promise<void> {
  const jobs = new Set<string>();
  for (const row of remote) if (!isTerminalPhoto(row.status)) jobs.add(row.jobId);
  await Promise.all([session.cancel(), ...[...jobs].map((jobId) => session.cancelElsewhere({ jobId }))]);
}

/** Removes completed rows; finished jobs stay cleared after a reload too. */
export function clearCompleted(session: UploadSession, remote: Iterable<RemoteRow>): void {
  const rows = [...remote];
  dismissJobs([...finishedLocalJobs(session), ...finishedRemoteJobs(rows)]);
  session.uploader.clearCompleted();
  clearRows(rows.filter((row) => row.status === "COMPLETED").map((row) => row.key));
}

/** Closes the panel when nothing is in flight: every row goes, and its jobs stay cleared. */
export function clearAll(session: UploadSession, remote: Iterable<RemoteRow>): void {
  const rows = [...remote];
  dismissJobs([...finishedLocalJobs(session), ...finishedRemoteJobs(rows)]);
  session.uploader.clearCompleted();
  clearRows([...session.uploader.store.getState().order, ...rows.map((row) => row.key)]);
}

/** Jobs of this tab whose every file is finished. */
function finishedLocalJobs(session: UploadSession): string[] {
  const open = new Set<string>();
  const all = new Set<string>();
  for (const file of Object.values(session.uploader.store.getState().files)) {
    if (!file.jobId) continue;
    all.add(file.jobId);
    if (!isTerminalPhoto(file.status)) open.add(file.jobId);
  }
  return [...all].filter((jobId) => !open.has(jobId));
}

function finishedRemoteJobs(rows: RemoteRow[]): string[] {
  const open = new Set(rows.filter((row) => !isTerminalPhoto(row.status)).map((row) => row.jobId));
  return [...new Set(rows.map((row) => row.jobId))].filter((jobId) => !open.has(jobId));
}
