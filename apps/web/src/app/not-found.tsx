import type { Metadata } from "next";
import Link from "next/link";
import { buttonClass } from "@/components/ui/button-styles";
import { Logo } from "@/shell/Logo";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-6 p-6 text-center">
      <Logo size="lg" />
      <div>
        <h1 className="font-semibold text-fg text-xl">This page doesn't exist</h1>
        <p className="mt-1 text-muted text-sm">The link may be old, or the address mistyped.</p>
      </div>
      <Link href="/" className={buttonClass("primary")}>
        Go to your library
      </Link>
    </main>
  );
}
