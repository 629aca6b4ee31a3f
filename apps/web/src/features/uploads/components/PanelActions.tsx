"use client";

import { memo } from "react";
import { toast } from "sonner";
import { useStore } from "zustand";
import { useShallow } from "zustand/react/shallow";
import { summarize } from "../state/local-panel";
import { cancelAll, clearCompleted } from "../state/panel-actions";
import type { RemoteRow } from "../state/panel-rows";
import { useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";

/** Pause or resume all, cancel all, retry every failed file, clear completed ones. Text only: four fit in 400 px. */
export const PanelActions = memo(function PanelActions({
  session,
  anyActive,
  anyCompleted,
  remote,
}: {
  session: UploadSession;
  /** Some row is still unfinished (the Active tab's count is not 0). */
  anyActive: boolean;
  /** Some row is completed (the Completed tab's count is not 0). */
  anyCompleted: boolean;
  remote: ReadonlyMap<string, RemoteRow>;
}) {
  const hidden = useUploadPanel((state) => state.clearedRows);
  // Only whether there are any matters here (the counts themselves move with every file that
  // starts or ends: re-rendering the four buttons for each was ~2,400 renders at 1,000 files).
  const { sending, paused, canRetry } = useStore(
    session.uploader.store,
    useShallow((state) => {
      const totals = summarize(state, hidden);
      return { sending: totals.sendingCount > 0, paused: totals.pausedCount > 0, canRetry: totals.failedCount > 0 };
    }),
  );

  return (
    <div className="flex items-center justify-between border-line border-b px-1.5 py-1">
      {sending ? (
        <ActionButton label="Pause all" onClick={() => session.uploader.pause()} />
      ) : (
        <ActionButton label="Resume all" disabled={!paused} onClick={() => session.uploader.resume()} />
      )}
      <ActionButton
        label="Cancel all"
        disabled={!anyActive}
        onClick={() =>
          void cancelAll(session, remote.values()).catch((error: Error) =>
            toast.error("Couldn't cancel every upload", { description: error.message }),
          )
        }
      />
      <ActionButton label="Retry failed" disabled={!canRetry} onClick={() => session.retry()} />
      <ActionButton
        label="Clear completed"
        disabled={!anyCompleted}
        onClick={() => clearCompleted(session, remote.values())}
      />
    </div>
  );
});

function ActionButton({ label, onClick, disabled = false }: { label: string; onClick(): void; disabled?: boolean }) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      className="inline-flex h-8 items-center whitespace-nowrap rounded-md px-2 font-medium text-muted text-xs transition-colors hover:bg-hover hover:text-fg disabled:pointer-events-none disabled:opacity-40"
    >
      {label}
    </button>
  );
}
