"use client";

import { X } from "lucide-react";
import { IconButton } from "@/components/ui/IconButton";
import { showReason, useUploadPanel } from "../state/upload-panel-store";

/** The full reason of the failed row someone opened, wrapped, above the list; closed by its button. */
export function FailureReasonBox() {
  const open = useUploadPanel((state) => state.openReason);
  if (!open) return null;
  return (
    <section
      id="upload-failure-reason"
      aria-label={`Why ${open.name} failed`}
      data-testid="upload-failure-reason"
      className="flex shrink-0 items-start gap-2 border-line border-b bg-danger/10 py-2 pr-2 pl-4"
    >
      <div className="min-w-0 flex-1 text-xs">
        <p className="truncate font-medium text-fg">{open.name}</p>
        <p className="whitespace-pre-wrap break-words text-danger">{open.reason}</p>
      </div>
      <IconButton icon={X} label="Close the reason" onClick={() => showReason(null)} />
    </section>
  );
}
