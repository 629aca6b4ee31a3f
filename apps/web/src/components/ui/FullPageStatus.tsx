import type { ReactNode } from "react";
import { Spinner } from "./Spinner";

/** A whole-window message while the app can't show a page yet (session check, lost server). */
export function FullPageStatus({
  title,
  children,
  busy = false,
}: {
  title: string;
  children?: ReactNode;
  busy?: boolean;
}) {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-4 p-6 text-center" aria-busy={busy}>
      {busy && <Spinner className="size-6 text-accent" />}
      <h1 className="font-medium text-fg text-lg">{title}</h1>
      {children}
    </main>
  );
}
