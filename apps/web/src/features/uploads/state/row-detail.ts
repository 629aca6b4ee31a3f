import { isAwaitingBytes, type JobPhotoRow, type PhotoStatus } from "@rapidphoto/protocol";
import type { FileState } from "@rapidphoto/uploader";
import { formatPercent } from "@/lib/format";

export const NEEDS_FILE_TEXT = "Needs the file again";

/** A copy of a file this tab is still sending: it goes up as that one's duplicate once it is stored. */
export const AWAITING_ORIGINAL_TEXT = "Same as a file being sent · waits for it";

/** What a failed file of this tab says. */
export const localFailure = (file: FileState) => file.error?.message ?? "The upload failed.";

/** What a failed photo of a job started elsewhere says: only the tab holding its file can retry it. */
export const remoteFailure = (photo: { errorMessage: string | null }) =>
  `${photo.errorMessage ?? "The upload failed."} Retry from the tab that has the file.`;

/** Past its bytes, a photo says the same wherever it was sent from. */
const AFTER_BYTES: Record<Exclude<PhotoStatus, "QUEUED" | "UPLOADING" | "FAILED">, string> = {
  PROCESSING: "Stored · processing on the server…",
  COMPLETED: "Done",
  CANCELLED: "Cancelled",
};

/** The line under a file's name in the panel: where it is, in words. */
export function rowDetail(file: FileState, percent: number, position: number | null, paused: boolean): string {
  // Restored after a reload: this tab does not have the bytes, and no other tab is sending them.
  if (file.needsFile && isAwaitingBytes(file.status)) return `${NEEDS_FILE_TEXT} · pick it again to finish`;
  switch (file.status) {
    case "QUEUED":
      if (paused) return "Paused";
      if (file.awaitingOriginal) return AWAITING_ORIGINAL_TEXT;
      if (position !== null) return `#${position} in queue`;
      return file.jobId ? "Waiting" : "Preparing…";
    case "UPLOADING": {
      const parts = file.method === "MULTIPART" ? ` · part ${file.partsDone}/${file.partCount}` : "";
      const retrying = file.retries > 0 ? ` · retrying (${file.retries})` : "";
      return `${paused ? "Paused at " : ""}${formatPercent(percent)}${parts}${retrying}`;
    }
    case "FAILED":
      return localFailure(file);
    default:
      return AFTER_BYTES[file.status];
  }
}

/**
 * A photo of a job started elsewhere that still needs its bytes and that no tab sends: the server
 * knows whether some tab still sends the file (its lease); only then is it "in another tab".
 */
export const isStranded = (photo: JobPhotoRow) => isAwaitingBytes(photo.status) && photo.waitingForFile === true;

/** The same line for a photo of a job started elsewhere (another tab, or this tab before a reload). */
export function remoteRowDetail(photo: JobPhotoRow): string {
  if (isStranded(photo)) return `${NEEDS_FILE_TEXT} · no tab is sending it`;
  switch (photo.status) {
    case "QUEUED":
    case "UPLOADING":
      return "Uploading in another tab";
    case "FAILED":
      return remoteFailure(photo);
    default:
      return AFTER_BYTES[photo.status];
  }
}
