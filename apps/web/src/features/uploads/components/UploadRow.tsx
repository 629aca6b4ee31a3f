"use client";

import { isAwaitingBytes, isTerminalPhoto, type PhotoStatus, photoPercent } from "@rapidphoto/protocol";
import { type FileState, selectFile } from "@rapidphoto/uploader";
import { ArchiveRestore, FileImage, RotateCcw, X } from "lucide-react";
import { memo, type ReactNode, useCallback, useMemo, useState } from "react";
import { toast } from "sonner";
import { useStore } from "zustand";
import { IconButton } from "@/components/ui/IconButton";
import { formatBytes } from "@/lib/format";
import { useJobPhoto } from "../hooks/use-upload-jobs";
import { useUploadSession } from "../hooks/use-upload-session";
import { queuePosition } from "../state/local-panel";
import { cancelFailureNotice } from "../state/panel-actions";
import { remoteRowKey } from "../state/panel-rows";
import { isStranded, remoteRowDetail, rowDetail } from "../state/row-detail";
import { showReason, useUploadPanel } from "../state/upload-panel-store";
import { JobStatusBadge } from "./JobStatusBadge";
import { ProgressBar, type ProgressTone } from "./ProgressBar";
import { QueueHandle } from "./QueueHandle";

/** Every row is this tall, so the list can place rows by arithmetic (VirtualList). */
export const ROW_HEIGHT = 72;

/** One element for every row: React skips rendering it again when the row re-renders. */
const FILE_ICON = <FileImage aria-hidden="true" className="size-4 shrink-0 text-subtle" />;

function toneFor(status: PhotoStatus, paused: boolean): ProgressTone {
  if (status === "COMPLETED") return "done";
  if (status === "FAILED") return "failed";
  if (status === "CANCELLED" || paused) return "muted";
  return "active";
}

/**
 * One file this tab is sending. It reads only its own file from the engine's store, so it
 * re-renders when that file changes and never because another one did.
 */
export const UploadRow = memo(function UploadRow({ id }: { id: string }) {
  const session = useUploadSession();
  const store = session.uploader.store;
  const file = useStore(
    store,
    useMemo(() => selectFile(id), [id]),
  );
  const position = useStore(
    store,
    useCallback((state) => queuePosition(state, id), [id]),
  );
  if (!file) return null;
  if (file.duplicateOf) return <DuplicateRow file={file} />;

  const paused = file.paused && isAwaitingBytes(file.status);
  const needsFile = file.needsFile && isAwaitingBytes(file.status);
  const percent = photoPercent(file);
  const retry = session.canRetry(file);
  const canCancel = !isTerminalPhoto(file.status);
  const waiting = position !== null && file.status === "QUEUED" && !paused;

  return (
    <RowFrame
      rowKey={id}
      queuePosition={waiting ? position : undefined}
      handle={waiting ? <QueueHandle id={id} name={file.name} position={position} /> : undefined}
      name={file.name}
      status={file.status}
      badge={needsFile ? "NEEDS_FILE" : paused ? "PAUSED" : file.status}
      percent={percent}
      tone={toneFor(file.status, paused || needsFile)}
      size={file.bytesTotal}
      detail={rowDetail(file, percent, position, paused)}
      failed={file.status === "FAILED"}
      action={
        canCancel ? (
          <IconButton icon={X} label={`Cancel ${file.name}`} onClick={() => void session.cancel(id)} />
        ) : retry ? (
          <IconButton icon={RotateCcw} label={`Retry ${file.name}`} onClick={() => session.retry(id)} />
        ) : null
      }
    />
  );
});

/**
 * A picked file the library already holds (same bytes): nothing was sent. One in Trash can be
 * restored from here rather than uploaded again.
 */
function DuplicateRow({ file }: { file: FileState }) {
  const session = useUploadSession();
  const [restore, setRestore] = useState<"idle" | "busy" | "done">("idle");
  const original = file.duplicateOf!;
  const inTrash = original.inTrash && restore !== "done";
  const onRestore = async () => {
    setRestore("busy");
    try {
      await session.restoreFromTrash(original.photoId);
      setRestore("done");
    } catch (error) {
      setRestore("idle");
      toast.error(`Couldn't restore ${file.name}`, { description: (error as Error).message });
    }
  };
  const detail = inTrash
    ? "Already in library · in Trash"
    : restore === "done"
      ? "Already in library · restored from Trash"
      : "Already in library";
  return (
    <RowFrame
      rowKey={file.id}
      name={file.name}
      status={file.status}
      badge="DUPLICATE"
      percent={100}
      tone="muted"
      size={file.bytesTotal}
      detail={detail}
      failed={false}
      duplicate
      action={
        inTrash ? (
          <IconButton
            icon={ArchiveRestore}
            label={`Restore ${file.name} from Trash`}
            disabled={restore === "busy"}
            onClick={() => void onRestore()}
          />
        ) : null
      }
    />
  );
}

/**
 * A photo of a job started elsewhere (another tab, or this tab before a reload): its state comes
 * from the server. The file itself is not here, so it can be cancelled but not resumed or retried.
 */
export const RemoteUploadRow = memo(function RemoteUploadRow({ jobId, photoId }: { jobId: string; photoId: string }) {
  const session = useUploadSession();
  const photo = useJobPhoto(session, jobId, photoId);
  const [cancelling, setCancelling] = useState(false);
  if (!photo) return null;

  const active = !isTerminalPhoto(photo.status);
  const stranded = isStranded(photo);
  const detail = remoteRowDetail(photo);
  const cancel = async () => {
    setCancelling(true);
    try {
      await session.cancelElsewhere({ photoId });
    } catch (error) {
      const notice = cancelFailureNotice(photo.filename, error);
      (notice.tone === "info" ? toast : toast.error)(notice.title, { description: notice.description });
    } finally {
      setCancelling(false);
    }
  };

  return (
    <RowFrame
      rowKey={remoteRowKey(photoId)}
      name={photo.filename}
      status={photo.status}
      badge={stranded ? "NEEDS_FILE" : photo.status}
      percent={photo.progressPercent}
      tone={toneFor(photo.status, stranded)}
      size={photo.bytes}
      detail={detail}
      failed={photo.status === "FAILED"}
      remote
      action={
        active ? (
          <IconButton icon={X} label={`Cancel ${photo.filename}`} disabled={cancelling} onClick={() => void cancel()} />
        ) : null
      }
    />
  );
});

function RowFrame(props: {
  /** The row's key in the panel (an engine file id, or a remote row key). */
  rowKey: string;
  /** 1-based place among the waiting files, for a row that can be reordered. */
  queuePosition?: number | undefined;
  handle?: ReactNode;
  name: string;
  status: PhotoStatus;
  badge: Parameters<typeof JobStatusBadge>[0]["status"];
  percent: number;
  tone: ProgressTone;
  size: number;
  detail: string;
  failed: boolean;
  remote?: boolean;
  duplicate?: boolean;
  action: ReactNode;
}) {
  return (
    <div
      data-testid="upload-row"
      data-status={props.status}
      data-badge={props.badge}
      data-name={props.name}
      data-remote={props.remote ? "true" : undefined}
      data-queue-position={props.queuePosition}
      data-duplicate={props.duplicate ? "true" : undefined}
      className="flex h-full flex-col justify-center gap-1.5 border-line/70 border-b px-4 data-[dragging]:opacity-50 data-[drop-target]:shadow-[inset_0_2px_0_var(--color-accent)]"
    >
      <div className="flex min-w-0 items-center gap-2">
        {props.handle ?? FILE_ICON}
        <span className="min-w-0 flex-1 truncate font-medium text-fg text-sm" title={props.name}>
          {props.name}
        </span>
        <JobStatusBadge status={props.badge} />
        <span className="grid size-7 shrink-0 place-items-center">{props.action}</span>
      </div>
      {props.failed ? (
        <FailureReason rowKey={props.rowKey} name={props.name} reason={props.detail} />
      ) : (
        <>
          <ProgressBar percent={props.percent} tone={props.tone} label={`${props.name} progress`} />
          <div className="flex min-w-0 items-center gap-3 text-xs">
            <span className="min-w-0 flex-1 truncate text-muted" title={props.detail} data-testid="upload-row-detail">
              {props.detail}
            </span>
            <span className="shrink-0 text-subtle tabular-nums">{formatBytes(props.size)}</span>
          </div>
        </>
      )}
    </div>
  );
}

/**
 * A failure's reason, wrapping over two lines in the row; a button (Enter, a tap or a click) opens
 * it in full below the panel's tabs, since a row has a fixed height and a tooltip needs a mouse.
 */
function FailureReason({ rowKey, name, reason }: { rowKey: string; name: string; reason: string }) {
  const open = useUploadPanel((state) => state.openReason === rowKey);
  return (
    <button
      type="button"
      aria-expanded={open}
      aria-controls="upload-failure-reason"
      aria-label={`Why ${name} failed: ${reason}`}
      data-testid="upload-row-detail"
      onClick={() => showReason(open ? null : rowKey)}
      className="line-clamp-2 rounded-sm text-left text-danger text-xs leading-4 underline decoration-danger/40 decoration-dotted underline-offset-2 hover:decoration-danger"
    >
      {reason}
    </button>
  );
}
