"use client";

import { useState } from "react";
import { toast } from "sonner";
import { useStore } from "zustand";
import { plural } from "@/lib/format";
import { usePhotoPicker } from "../hooks/use-photo-picker";
import type { UploadSession } from "../state/upload-session";

/**
 * The way to finish uploads whose file no tab holds any more (a reload, a crash, a closed tab):
 * "Resume N uploads" where the browser kept file handles (one permission prompt), else "Pick these
 * files again" — the picked files are matched to the unfinished photos and only what is missing is sent.
 */
export function NeedsFileActions({ session, count }: { session: UploadSession; count: number }) {
  const picker = usePhotoPicker();
  const [resuming, setResuming] = useState(false);
  const resumable = useStore(session.uploader.store, session.resumableCount);

  const resume = async () => {
    setResuming(true);
    try {
      const { resumed, missing } = await session.resumeFromHandles();
      if (missing > 0) {
        toast.warning(`${plural(missing, "file")} could not be read again`, {
          description: "Pick these files again to finish their upload.",
        });
      } else if (resumed > 0) toast.success(`Resuming ${plural(resumed, "upload")}`);
    } finally {
      setResuming(false);
    }
  };

  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="needs-file-actions">
      <p className="min-w-0 flex-1 text-muted text-xs">
        {count === 1 ? "This photo's" : "These photos'"} file is not open in any tab.
      </p>
      {resumable > 0 && (
        <button
          type="button"
          disabled={resuming}
          onClick={() => void resume()}
          className="inline-flex h-8 items-center rounded-md bg-accent px-3 font-medium text-white text-xs hover:opacity-90 disabled:opacity-50"
        >
          Resume {plural(resumable, "upload")}
        </button>
      )}
      <button
        type="button"
        onClick={() => picker.open()}
        className="inline-flex h-8 items-center rounded-md border border-line px-3 font-medium text-fg text-xs hover:bg-hover"
      >
        Pick these files again
      </button>
    </div>
  );
}
