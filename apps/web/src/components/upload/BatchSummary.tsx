"use client";

import type { JobStatus } from "@rapidphoto/protocol";
import { useCallback, useMemo } from "react";
import { useStore } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { JobStatusBadge } from "@/components/progress/JobStatusBadge";
import { ProgressBar } from "@/components/progress/ProgressBar";
import { formatBytes, formatPercent, formatSpeed, formatTimeLeft } from "@/lib/format";
import { localJobStatuses, type RemoteRow, summarize } from "@/lib/upload/panel-rows";
import type { UploadSession } from "@/lib/upload/uploader";

/**
 * "53 uploading (8%)" and the numbers behind it: files done and failed, bytes, speed, time left.
 * Re-renders once per frame while bytes move (the engine batches its writes per frame).
 */
export function BatchSummary({ session, remote }: { session: UploadSession; remote: ReadonlyMap<string, RemoteRow> }) {
  const store = session.uploader.store;
  const hidden = useStore(session.visibility, (state) => state.hidden);
  const local = useStore(
    store,
    useCallback((state) => summarize(state, hidden), [hidden]),
  );
  const speed = useStore(store, (state) => state.speed);
  const jobs = useStore(
    store,
    useShallow((state) => localJobStatuses(state, hidden)),
  );
  const elsewhere = useMemo(() => {
    const c = { sending: 0, processing: 0, completed: 0, failed: 0, total: 0 };
    for (const row of remote.values()) {
      c.total++;
      if (row.status === "QUEUED" || row.status === "UPLOADING") c.sending++;
      else if (row.status === "PROCESSING") c.processing++;
      else if (row.status === "COMPLETED") c.completed++;
      else if (row.status === "FAILED") c.failed++;
    }
    return c;
  }, [remote]);

  const total = local.total + elsewhere.total;
  const completed = local.completed + elsewhere.completed;
  const failed = local.failed + elsewhere.failed;
  const processing = local.processing + elsewhere.processing;
  const sending = local.sending + elsewhere.sending;
  const left = local.bytesTotal - local.bytesSent;
  const moving = local.sending > 0 && speed > 0;

  let headline: string;
  if (local.sending > 0) headline = `${sending.toLocaleString("en-US")} uploading (${formatPercent(local.percent)})`;
  else if (elsewhere.sending > 0) headline = `${elsewhere.sending.toLocaleString("en-US")} uploading in another tab`;
  else if (local.paused > 0)
    headline = `${local.paused.toLocaleString("en-US")} paused (${formatPercent(local.percent)})`;
  else if (processing > 0) headline = `${processing.toLocaleString("en-US")} processing`;
  else if (failed > 0)
    headline = `${completed.toLocaleString("en-US")} uploaded, ${failed.toLocaleString("en-US")} failed`;
  else if (completed > 0) headline = `All ${completed.toLocaleString("en-US")} uploaded`;
  else headline = "Nothing uploading";

  return (
    <div data-testid="upload-summary" className="flex flex-col gap-2 border-line border-b px-4 py-3">
      <div className="flex items-baseline justify-between gap-3">
        <p className="truncate font-semibold text-fg text-sm" data-testid="upload-headline">
          {headline}
        </p>
        <p className="shrink-0 text-muted text-xs tabular-nums" data-testid="upload-speed">
          {moving ? `${formatSpeed(speed)} · ${formatTimeLeft(left / speed)}` : ""}
        </p>
      </div>
      <ProgressBar
        percent={local.bytesTotal > 0 ? local.percent : total > 0 && sending + processing === 0 ? 100 : 0}
        tone={local.sending + local.paused === 0 && failed > 0 && completed === 0 ? "failed" : "active"}
        label="Overall upload progress"
      />
      <div className="flex items-center gap-3">
        <p className="min-w-0 flex-1 truncate text-muted text-xs tabular-nums">
          {completed.toLocaleString("en-US")} of {total.toLocaleString("en-US")} done
          {failed > 0 && <span className="text-danger"> · {failed.toLocaleString("en-US")} failed</span>}
          {local.bytesTotal > 0 && (
            <span>
              {" "}
              · {formatBytes(local.bytesSent)} of {formatBytes(local.bytesTotal)}
            </span>
          )}
        </p>
        <JobStatuses jobs={jobs} />
      </div>
    </div>
  );
}

/** Server-side status of this tab's upload jobs (one job per pick or drop): the latest, and how many more. */
function JobStatuses({ jobs }: { jobs: readonly string[] }) {
  const latest = jobs.at(-1);
  if (!latest) return null;
  const status = latest.slice(latest.indexOf(":") + 1) as JobStatus;
  const more = jobs.length - 1;
  return (
    <span
      className="flex shrink-0 items-center gap-1.5 text-[11px] text-subtle"
      title="Status of the latest upload job on the server"
      data-testid="job-status"
    >
      {more > 0 && `+${more} earlier`}
      <JobStatusBadge status={status} />
    </span>
  );
}
