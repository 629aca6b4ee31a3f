import { isAwaitingBytes } from "@rapidphoto/protocol";
import type { FileState } from "@rapidphoto/uploader";
import { formatPercent } from "@/lib/format";

export const NEEDS_FILE_TEXT = "Needs the file again";

/** A copy of a file this tab is still sending: it goes up as that one's duplicate once it is stored. */
export const AWAITING_ORIGINAL_TEXT = "Same as a file being sent · waits for it";

/** What a failed file of this tab says. */
export const localFailure = (file: FileState) => file.error?.message ?? "The upload failed.";

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
    case "PROCESSING":
      return "Stored · processing on the server…";
    case "COMPLETED":
      return "Done";
    case "FAILED":
      return localFailure(file);
    case "CANCELLED":
      return "Cancelled";
  }
}
