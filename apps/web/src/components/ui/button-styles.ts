export type ButtonVariant = "primary" | "secondary" | "ghost";

const BASE =
  "inline-flex items-center justify-center gap-2 rounded-lg text-sm font-medium transition-colors " +
  "disabled:cursor-not-allowed disabled:opacity-60";

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-accent text-white hover:bg-accent-strong",
  secondary: "border border-line bg-raised text-fg hover:bg-hover",
  ghost: "text-muted hover:bg-raised hover:text-fg",
};

/** Class names of RapidPhoto's buttons, shared by <button>s and links that look like buttons. */
export function buttonClass(variant: ButtonVariant, extra = ""): string {
  return `${BASE} ${VARIANTS[variant]} h-10 px-4 ${extra}`.trim();
}
