"use client";

import { selectFile } from "@rapidphoto/uploader";
import { X } from "lucide-react";
import { memo, useMemo } from "react";
import { useStore } from "zustand";
import { IconButton } from "@/components/ui/IconButton";
import { useJobPhoto } from "../hooks/use-upload-jobs";
import { useUploadSession } from "../hooks/use-upload-session";
import type { RemoteRow } from "../state/panel-rows";
import { localFailure, remoteFailure } from "../state/row-detail";
import { showReason, useUploadPanel } from "../state/upload-panel-store";

/**
 * The full reason of the failed row someone opened, wrapped, above the list; closed by its button.
 * It reads the row from its owner, so it goes away by itself once the row is no longer failed
 * (retried) or no longer in sight (cleared).
 */
export const FailureReasonBox = memo(function FailureReasonBox({ remote }: { remote: ReadonlyMap<string, RemoteRow> }) {
  const key = useUploadPanel((state) => state.openReason);
  const hidden = useUploadPanel((state) => key !== null && state.clearedRows.has(key));
  if (key === null || hidden) return null;
  const row = remote.get(key);
  return row ? <RemoteReason row={row} /> : <LocalReason id={key} />;
});

function LocalReason({ id }: { id: string }) {
  const session = useUploadSession();
  const file = useStore(
    session.uploader.store,
    useMemo(() => selectFile(id), [id]),
  );
  if (file?.status !== "FAILED") return null;
  return <ReasonBox name={file.name} reason={localFailure(file)} />;
}

function RemoteReason({ row }: { row: RemoteRow }) {
  const session = useUploadSession();
  const photo = useJobPhoto(session, row.jobId, row.photoId);
  if (photo?.status !== "FAILED") return null;
  return <ReasonBox name={photo.filename} reason={remoteFailure(photo)} />;
}

function ReasonBox({ name, reason }: { name: string; reason: string }) {
  return (
    <section
      id="upload-failure-reason"
      aria-label={`Why ${name} failed`}
      data-testid="upload-failure-reason"
      className="flex shrink-0 items-start gap-2 border-line border-b bg-danger/10 py-2 pr-2 pl-4"
    >
      <div className="min-w-0 flex-1 text-xs">
        <p className="truncate font-medium text-fg">{name}</p>
        <p className="whitespace-pre-wrap break-words text-danger">{reason}</p>
      </div>
      <IconButton icon={X} label="Close the reason" onClick={() => showReason(null)} />
    </section>
  );
}
