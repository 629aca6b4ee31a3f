import type { FinalizeRequest, UploadItem } from "@rapidphoto/protocol";
import pLimit from "p-limit";
import { linkSignals } from "./abort.js";
import type { UploadApi } from "./api-client.js";
import { URL_EXPIRY_MARGIN_MS } from "./constants.js";
import { UploaderError } from "./errors.js";
import { missingParts, planParts, storedBytes } from "./part-plan.js";
import { PartSigner } from "./part-signer.js";
import type { FileProgress } from "./progress.js";
import { type PutTarget, type RequestDeps, sendRange } from "./put-request.js";
import type { UploadSource } from "./source.js";

export type SendDeps = RequestDeps & {
  api: Pick<UploadApi, "signParts" | "sign">;
  signBatch: number;
  /** Parts of one file sent in parallel at most; the shared request limit applies on top. */
  maxParallel: () => number;
};

/** One file's bytes. `item` and `parts` are updated in place, so a stopped run leaves what the next one needs. */
export type SendFile = {
  id: string;
  photoId: string;
  source: UploadSource;
  item: UploadItem;
  /** Stored parts: part number → ETag. */
  parts: Map<number, string>;
  progress: FileProgress;
  /** A part was stored; `parts` holds every stored part now. */
  onPartDone?: (parts: ReadonlyMap<number, string>) => void;
  onRetry?: (failures: number) => void;
};

/** Sends whatever of the file is not stored yet and returns the body for finalize. */
export function sendFile(deps: SendDeps, file: SendFile, signal: AbortSignal): Promise<FinalizeRequest> {
  return file.item.method === "PUT" ? sendSingle(deps, file, signal) : sendMultipart(deps, file, signal);
}

async function sendSingle(deps: SendDeps, file: SendFile, signal: AbortSignal): Promise<FinalizeRequest> {
  file.progress.setStored(0);
  const target = async (fresh: boolean, s: AbortSignal): Promise<PutTarget> => {
    // A PUT URL comes with the job and may have waited behind hundreds of files: sign again if it is old.
    if (fresh || !file.item.url || expiresSoon(file.item.expiresAt, deps.clock.now()))
      file.item = await deps.api.sign(file.photoId, s);
    if (!file.item.url) throw new UploaderError("BAD_RESPONSE", "The server sent no upload URL.");
    return { url: file.item.url, headers: file.item.headers ?? {}, expiresAt: parseTime(file.item.expiresAt) };
  };
  await sendRange(
    deps,
    {
      fileId: file.id,
      key: 1,
      start: 0,
      end: file.source.size,
      source: file.source,
      progress: file.progress,
      target,
      requireEtag: false,
      wholeFile: true,
      onRetry: file.onRetry,
    },
    signal,
  );
  return {};
}

async function sendMultipart(deps: SendDeps, file: SendFile, signal: AbortSignal): Promise<FinalizeRequest> {
  const multipart = file.item.multipart;
  if (!multipart) throw new UploaderError("BAD_RESPONSE", "The server sent a multipart item without its layout.");
  const plan = planParts(file.source.size, multipart.partSize, multipart.partCount);
  const todo = missingParts(plan, file.parts);
  file.progress.setStored(storedBytes(plan, file.parts));

  // The first part that fails for good stops its siblings: the file has failed either way.
  const failFast = new AbortController();
  const linked = linkSignals(signal, failFast.signal);
  const signer = new PartSigner(
    deps.api,
    file.photoId,
    todo.map((p) => p.partNumber),
    deps.signBatch,
    linked.signal,
    () => deps.clock.now(),
    multipart.signedParts,
  );
  const limit = pLimit(Math.max(1, deps.maxParallel()));
  const sendPart = async (part: (typeof todo)[number]) => {
    if (linked.signal.aborted) return;
    try {
      const etag = await sendRange(
        deps,
        {
          fileId: file.id,
          key: part.partNumber,
          start: part.start,
          end: part.end,
          source: file.source,
          progress: file.progress,
          target: (fresh, s) => signer.target(part.partNumber, fresh, s),
          requireEtag: true,
          onRetry: file.onRetry,
        },
        linked.signal,
      );
      file.parts.set(part.partNumber, etag as string);
      signer.forget(part.partNumber);
      file.onPartDone?.(file.parts);
    } catch (error) {
      if (!failFast.signal.aborted) failFast.abort(error);
      throw error;
    }
  };
  const sends = todo.map((part) => limit(sendPart, part));
  // Wait for every request to end before reporting, so nothing is still writing when the caller
  // tells the server to cancel or retries.
  const results = await Promise.allSettled(sends);
  linked.dispose();
  if (signal.aborted) throw signal.reason;
  if (results.some((r) => r.status === "rejected")) throw failFast.signal.reason;

  const parts = [...file.parts].map(([partNumber, etag]) => ({ partNumber, etag }));
  parts.sort((a, b) => a.partNumber - b.partNumber);
  return { uploadId: multipart.uploadId, parts };
}

function parseTime(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function expiresSoon(iso: string | undefined, now: number): boolean {
  const t = parseTime(iso);
  return t !== null && t - now < URL_EXPIRY_MARGIN_MS;
}
