import type { JobStatus, PhotoStatus } from "@rapidphoto/protocol";
import { memo, useRef } from "react";

/**
 * What a badge can say: a photo's or a job's status, or a client-side state of a file: paused,
 * already in the library (nothing sent), or waiting for its file to be picked again.
 */
export type BadgeStatus = PhotoStatus | JobStatus | "PAUSED" | "DUPLICATE" | "NEEDS_FILE";

const LOOK: Record<BadgeStatus, { label: string; className: string }> = {
  QUEUED: { label: "Queued", className: "bg-hover text-muted" },
  UPLOADING: { label: "Uploading", className: "bg-accent-soft text-accent" },
  PROCESSING: { label: "Processing", className: "bg-info-soft text-info" },
  COMPLETED: { label: "Completed", className: "bg-success-soft text-success" },
  FAILED: { label: "Failed", className: "bg-danger-soft text-danger" },
  CANCELLED: { label: "Cancelled", className: "bg-hover text-subtle" },
  PAUSED: { label: "Paused", className: "bg-warning-soft text-warning" },
  DUPLICATE: { label: "In library", className: "bg-info-soft text-info" },
  NEEDS_FILE: { label: "Needs file", className: "bg-warning-soft text-warning" },
  IN_PROGRESS: { label: "In progress", className: "bg-accent-soft text-accent" },
  COMPLETED_WITH_ERRORS: { label: "Some failed", className: "bg-warning-soft text-warning" },
};

/**
 * A photo's or job's status as a coloured pill. Keyed by status, so a change remounts it and the
 * pop-in animation marks the moment it changed. A badge shown with the status it already had (a
 * row scrolled into view, or moved up the list as others finish) does not pop in: with 1,000
 * uploads rows come into view many times a second, and every running animation makes the page
 * draw frames it would not draw otherwise.
 */
export const JobStatusBadge = memo(function JobStatusBadge({ status }: { status: BadgeStatus }) {
  const look = LOOK[status];
  const shownFirst = useRef(status);
  const pop = status !== shownFirst.current ? "motion-safe:animate-badge-in" : "";
  return (
    <span
      key={status}
      data-status={status}
      className={`inline-flex h-5 shrink-0 ${pop} items-center rounded-full px-2 font-medium text-[11px] leading-none ${look.className}`}
    >
      {look.label}
    </span>
  );
});
