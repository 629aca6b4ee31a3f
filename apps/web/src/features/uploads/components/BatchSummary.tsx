"use client";

import { countPhotos, type JobStatus } from "@rapidphoto/protocol";
import { etaSeconds } from "@rapidphoto/uploader";
import { memo, useCallback, useMemo } from "react";
import { useStore } from "zustand";
import { formatBytes, formatCount, formatPercent, formatSpeed, formatTimeLeft } from "@/lib/format";
import { localBatchStatuses, summarize } from "../state/local-panel";
import type { RemoteRow } from "../state/panel-rows";
import { useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";
import { JobStatusBadge } from "./JobStatusBadge";
import { NeedsFileActions } from "./NeedsFileActions";
import { ProgressBar } from "./ProgressBar";

/**
 * "53 uploading (8%)" and the numbers behind it: files done and failed, bytes, speed, time left.
 * Re-renders when a figure it shows changes: at most once per store flush (the engine batches its
 * writes, several times a second), not when the panel around it does.
 */
export const BatchSummary = memo(function BatchSummary({
  session,
  remote,
}: {
  session: UploadSession;
  remote: ReadonlyMap<string, RemoteRow>;
}) {
  const store = session.uploader.store;
  const hidden = useUploadPanel((state) => state.clearedRows);
  const local = useStore(
    store,
    useCallback((state) => summarize(state, hidden), [hidden]),
  );
  const speed = useStore(store, (state) => state.speed);
  const batches = useStore(store, (state) => localBatchStatuses(state, hidden));
  const elsewhere = useMemo(() => countPhotos(remote.values()), [remote]);
  const elsewhereStranded = useMemo(() => [...remote.values()].filter((row) => row.waitingForFile).length, [remote]);
  // Only photos some tab still holds (their sender's lease is live) are "uploading in another tab".
  const elsewhereSending = elsewhere.queuedCount + elsewhere.uploadingCount - elsewhereStranded;
  const needsFile = local.needsFileCount + elsewhereStranded;

  const total = local.totalCount + elsewhere.totalCount;
  const completed = local.completedCount + elsewhere.completedCount;
  const failed = local.failedCount + elsewhere.failedCount;
  const processing = local.processingCount + elsewhere.processingCount;
  const sending = local.sendingCount + elsewhereSending;
  const left = local.bytesTotal - local.bytesSent;
  const eta = local.sendingCount > 0 && speed > 0 ? etaSeconds(left, speed) : null;

  let headline: string;
  if (local.sendingCount > 0) headline = `${formatCount(sending)} uploading (${formatPercent(local.percent)})`;
  else if (elsewhereSending > 0) headline = `${formatCount(elsewhereSending)} uploading in another tab`;
  else if (needsFile > 0)
    headline = `${formatCount(needsFile)} ${needsFile === 1 ? "needs its" : "need their"} file again`;
  else if (local.pausedCount > 0)
    headline = `${formatCount(local.pausedCount)} paused (${formatPercent(local.percent)})`;
  else if (processing > 0) headline = `${formatCount(processing)} processing`;
  else if (failed > 0) headline = `${formatCount(completed)} uploaded, ${formatCount(failed)} failed`;
  else if (completed > 0) headline = `All ${formatCount(completed)} uploaded`;
  else if (local.duplicateCount > 0) headline = `${formatCount(local.duplicateCount)} already in your library`;
  else headline = "Nothing uploading";

  return (
    <div data-testid="upload-summary" className="flex flex-col gap-2 border-line border-b px-4 py-3">
      <div className="flex items-baseline justify-between gap-3">
        <p className="truncate font-semibold text-fg text-sm" data-testid="upload-headline">
          {headline}
        </p>
        <p className="shrink-0 text-muted text-xs tabular-nums" data-testid="upload-speed">
          {eta !== null ? `${formatSpeed(speed)} · ${formatTimeLeft(eta)}` : ""}
        </p>
      </div>
      <ProgressBar
        percent={local.bytesTotal > 0 ? local.percent : total > 0 && sending + processing + needsFile === 0 ? 100 : 0}
        tone={local.sendingCount + local.pausedCount === 0 && failed > 0 && completed === 0 ? "failed" : "active"}
        label="Overall upload progress"
      />
      <div className="flex items-center gap-3">
        <p className="min-w-0 flex-1 truncate text-muted text-xs tabular-nums">
          {formatCount(completed)} of {formatCount(total)} done
          {failed > 0 && <span className="text-danger"> · {formatCount(failed)} failed</span>}
          {local.duplicateCount > 0 && (
            <span data-testid="upload-duplicates"> · {formatCount(local.duplicateCount)} already in library</span>
          )}
          {local.addingCount > 0 ? (
            <span data-testid="upload-adding"> · adding {formatCount(local.addingCount)}…</span>
          ) : (
            local.bytesTotal > 0 && (
              <span>
                {" "}
                · {formatBytes(local.bytesSent)} of {formatBytes(local.bytesTotal)}
              </span>
            )
          )}
        </p>
        <BatchStatuses batches={batches} />
      </div>
      {needsFile > 0 && <NeedsFileActions session={session} count={needsFile} />}
    </div>
  );
});

/**
 * Server-side status of this tab's batches (one per pick or drop, however many jobs carry it): the
 * latest, and how many more. Memoized: the list keeps its identity while equal (local-panel.ts), and
 * the summary around it renders with every flush.
 */
const BatchStatuses = memo(function BatchStatuses({ batches }: { batches: readonly string[] }) {
  const latest = batches.at(-1);
  if (!latest) return null;
  const status = latest.slice(latest.indexOf(":") + 1) as JobStatus;
  const more = batches.length - 1;
  return (
    <span
      className="flex shrink-0 items-center gap-1.5 text-[11px] text-subtle"
      title="Status of the latest upload on the server"
      data-testid="job-status"
    >
      {more > 0 && `+${more} earlier`}
      <JobStatusBadge status={status} />
    </span>
  );
});
