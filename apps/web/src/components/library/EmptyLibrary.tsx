import { CloudUpload } from "lucide-react";
import type { ReactNode } from "react";

/**
 * The first thing a new library shows: an invitation to drop photos anywhere, and `action` (the
 * Upload button, which the page brings from the upload feature).
 */
export function EmptyLibrary({ action }: { action: ReactNode }) {
  return (
    <section
      aria-labelledby="empty-library-title"
      data-testid="empty-library"
      className="flex min-h-[420px] flex-col items-center justify-center gap-5 rounded-2xl border-2 border-line border-dashed bg-surface/60 px-6 py-16 text-center"
    >
      <span aria-hidden="true" className="grid size-16 place-items-center rounded-2xl bg-accent-soft text-accent">
        <CloudUpload className="size-8" />
      </span>
      <div className="flex flex-col gap-2">
        <h2 id="empty-library-title" className="font-semibold text-fg text-xl">
          Drop photos here or click Upload
        </h2>
        <p className="max-w-md text-muted text-sm">
          Your library is empty. Add hundreds of photos at once; they go straight to storage with live progress.
        </p>
      </div>
      {action}
      <p className="text-subtle text-xs">JPEG, PNG, GIF, WebP, HEIC, AVIF or TIFF · up to 5 GB each</p>
    </section>
  );
}
