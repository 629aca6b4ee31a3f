import type { LucideIcon } from "lucide-react";

/** A quiet "nothing here yet" for sections that fill up once photos exist. */
export function EmptyState({ icon: Icon, title, children }: { icon: LucideIcon; title: string; children: string }) {
  return (
    <section className="flex min-h-[320px] flex-col items-center justify-center gap-3 rounded-2xl border border-line bg-surface/60 px-6 py-16 text-center">
      <Icon aria-hidden="true" className="size-10 text-subtle" />
      <h2 className="font-semibold text-fg text-lg">{title}</h2>
      <p className="max-w-md text-muted text-sm">{children}</p>
    </section>
  );
}
