import { memo } from "react";

export type ProgressTone = "active" | "done" | "failed" | "muted";

const TONES: Record<ProgressTone, string> = {
  active: "bg-accent",
  done: "bg-success",
  failed: "bg-danger",
  muted: "bg-subtle",
};

/**
 * A thin bar for 0–100. The fill is scaled, not resized, so a new value costs a composite and no
 * layout, and the short transition turns frame-by-frame steps into a smooth glide.
 */
export const ProgressBar = memo(function ProgressBar({
  percent,
  tone = "active",
  label,
  className = "",
}: {
  percent: number;
  tone?: ProgressTone;
  /** Accessible name, e.g. "beach.jpg upload progress". */
  label: string;
  className?: string;
}) {
  const value = Math.max(0, Math.min(100, percent));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.floor(value)}
      className={`h-1.5 w-full overflow-hidden rounded-full bg-line ${className}`}
    >
      <div
        className={`h-full w-full origin-left rounded-full duration-200 ease-linear motion-safe:transition-transform ${TONES[tone]}`}
        style={{ transform: `scaleX(${value / 100})` }}
      />
    </div>
  );
});
