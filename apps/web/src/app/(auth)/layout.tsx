import type { ReactNode } from "react";
import { RedirectIfSignedIn } from "@/components/session/RedirectIfSignedIn";
import { Logo } from "@/shell/Logo";

/** Sign-in and registration: one centred card on the dark page. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <RedirectIfSignedIn>
      <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12">
        <div className="mb-8">
          <Logo size="lg" />
        </div>
        <div className="w-full max-w-sm rounded-2xl border border-line bg-surface p-8 shadow-2xl shadow-black/40">
          {children}
        </div>
      </main>
    </RedirectIfSignedIn>
  );
}
