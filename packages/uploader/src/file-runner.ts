import type { UploadItem } from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import { ApiError } from "./errors.js";
import { withRetry } from "./retry.js";
import { type SendDeps, type SendFile, sendFile } from "./send-file.js";

/**
 * One run of one file: re-plan from storage if needed, send what is missing, finalize. A run ends
 * with an outcome, or throws (the engine decides between failed and stopped from the signal).
 */

export type RunnerDeps = SendDeps & {
  api: Pick<UploadApi, "sign" | "signParts" | "retryPhoto" | "getJob">;
  /** The API's finalize, single-PUT files batched (finalize-batcher.ts). */
  finalize: UploadApi["finalize"];
};

export type RunFile = SendFile & {
  jobId: string;
  /** Ask the server what is stored before sending (resume, retry, a refused finalize). */
  needsReplan: boolean;
  /** The server failed this photo (after storing it, or it expired): the re-plan starts with `retryPhoto`. */
  serverFailed: boolean;
  onFinalizing?: () => void;
  /** The server gave a fresh item (re-plan): its upload id and the parts storage holds. */
  onReplanned?: () => void;
};

export type RunOutcome = { kind: "PROCESSING" | "COMPLETED" | "CANCELLED" } | { kind: "FAILED"; message: string };

/**
 * Finalize refusals (UPLOAD_INCOMPLETE: a part went missing, or the upload was restarted) that
 * re-plan and send again before the file fails. Each re-plan sends only what storage lacks.
 */
const MAX_REPLANS = 2;

export async function runFile(deps: RunnerDeps, file: RunFile, signal: AbortSignal): Promise<RunOutcome> {
  const retry = { policy: deps.retry, signal, network: deps.network, random: deps.random, clock: deps.clock };
  for (let replans = 0; ; replans++) {
    if (file.needsReplan) {
      const done = await replan(deps, file, signal);
      if (done) return done;
    }
    const body = await sendFile(deps, file, signal);
    file.onFinalizing?.();
    try {
      await withRetry(() => deps.finalize(file.photoId, body, signal), retry);
      return { kind: "PROCESSING" };
    } catch (error) {
      if (isApiError(error, "UPLOAD_INCOMPLETE") && replans < MAX_REPLANS) {
        file.needsReplan = true;
        continue;
      }
      // Already finalized (an earlier try landed but its answer was lost), or cancelled elsewhere.
      if (isApiError(error, "ILLEGAL_TRANSITION")) {
        const outcome = await serverOutcome(deps, file, signal);
        if (outcome) return outcome;
      }
      throw error;
    }
  }
}

/**
 * Fresh item and stored parts from the server. `sign` serves photos still waiting for bytes; a
 * photo the server has failed or cancelled needs `retry` (asked first when the server is known to
 * have failed it); anything else has moved on without us, and its outcome is read back.
 */
async function replan(deps: RunnerDeps, file: RunFile, signal: AbortSignal): Promise<RunOutcome | null> {
  const retry = { policy: deps.retry, signal, network: deps.network, random: deps.random, clock: deps.clock };
  const sign = () => deps.api.sign(file.photoId, signal);
  const retryPhoto = () => deps.api.retryPhoto(file.photoId, signal);
  let item: UploadItem | null = null;
  let refused: unknown = null;
  for (const call of file.serverFailed ? [retryPhoto, sign] : [sign, retryPhoto]) {
    try {
      item = await withRetry(call, retry);
      break;
    } catch (error) {
      if (!isApiError(error, "ILLEGAL_TRANSITION")) throw error;
      refused = error;
    }
  }
  if (!item) {
    const outcome = await serverOutcome(deps, file, signal);
    if (outcome) return outcome;
    throw refused;
  }
  adoptItem(file, item);
  file.onReplanned?.();
  file.needsReplan = false;
  file.serverFailed = false;
  return null;
}

/** Takes a fresh item; storage's list of parts replaces ours (a restarted upload has none). */
function adoptItem(file: Pick<RunFile, "item" | "parts">, item: UploadItem): void {
  const stored = item.multipart?.uploadedParts;
  const sameUpload = item.multipart?.uploadId === file.item.multipart?.uploadId;
  file.item = item;
  if (stored) file.parts = new Map(stored.map((p) => [p.partNumber, p.etag]));
  else if (!sameUpload) file.parts = new Map();
}

async function serverOutcome(deps: RunnerDeps, file: RunFile, signal: AbortSignal): Promise<RunOutcome | null> {
  const retry = { policy: deps.retry, signal, network: deps.network, random: deps.random, clock: deps.clock };
  const job = await withRetry(() => deps.api.getJob(file.jobId, signal), retry);
  const row = job.photos.find((p) => p.photoId === file.photoId);
  switch (row?.status) {
    case "PROCESSING":
    case "COMPLETED":
    case "CANCELLED":
      return { kind: row.status };
    case "FAILED":
      return { kind: "FAILED", message: row.errorMessage ?? "The server marked this photo as failed." };
    default:
      return null;
  }
}

function isApiError(error: unknown, code: string): error is ApiError {
  return error instanceof ApiError && error.code === code;
}
