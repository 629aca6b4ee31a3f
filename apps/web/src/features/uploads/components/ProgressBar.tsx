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
 * layout. No transition: a bar moves with each store flush (5–10 times a second while sending), so
 * a 200 ms glide ran on some bar all the time during an upload, and each one made the page style a
 * frame for every frame it ran (2,204 of the frames of a 1,000-file upload restyled for nothing
 * else) and sent four transition events (run, start, end or cancel) through React's root listener
 * (~1 s of script at 1,000 files). Steps of a flush are small enough to read as motion.
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
        className={`h-full w-full origin-left rounded-full ${TONES[tone]}`}
        style={{ transform: `scaleX(${value / 100})` }}
      />
    </div>
  );
});
