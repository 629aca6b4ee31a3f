import { Aperture } from "lucide-react";

/** The RapidPhoto mark and word; `size="lg"` on the sign-in pages; `compact`: the mark alone on phones. */
export function Logo({ size = "md", compact = false }: { size?: "md" | "lg"; compact?: boolean }) {
  const large = size === "lg";
  return (
    <span className="inline-flex items-center gap-2.5">
      <span
        aria-hidden="true"
        className={`grid place-items-center rounded-lg bg-accent text-white ${large ? "size-10" : "size-8"}`}
      >
        <Aperture className={large ? "size-6" : "size-5"} />
      </span>
      <span
        className={`font-semibold text-fg tracking-tight ${large ? "text-2xl" : "text-lg"} ${compact ? "max-sm:sr-only" : ""}`}
      >
        RapidPhoto
      </span>
    </span>
  );
}
