import type { LucideIcon } from "lucide-react";
import { useMemo } from "react";

/** A square button showing only an icon; its label is what screen readers say and the tooltip shows. */
export function IconButton({
  icon: Icon,
  label,
  onClick,
  disabled = false,
  size = "sm",
}: {
  icon: LucideIcon;
  label: string;
  onClick(): void;
  disabled?: boolean;
  /** "sm" in a row (28 px), "md" in the panel's header (32 px). */
  size?: "sm" | "md";
}) {
  // The same element every render, so React skips the icon (lucide's icons do real work per render)
  // when a row or the panel re-renders around it.
  const icon = useMemo(() => <Icon aria-hidden="true" className="size-4" />, [Icon]);
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
      className={`grid ${size === "sm" ? "size-7" : "size-8"} place-items-center rounded-md text-muted transition-colors hover:bg-hover hover:text-fg disabled:opacity-50`}
    >
      {icon}
    </button>
  );
}
