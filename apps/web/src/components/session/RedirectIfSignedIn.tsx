"use client";

import { useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { FullPageStatus } from "@/components/ui/FullPageStatus";
import { useSession } from "@/lib/session/session-store";

/** Sign-in and registration are for signed-out visitors; anyone else goes straight to the library. */
export function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const router = useRouter();
  const status = useSession((state) => state.status);

  useEffect(() => {
    if (status === "signed-in") router.replace("/");
  }, [status, router]);

  if (status === "signed-out") return children;
  return <FullPageStatus busy title="Loading…" />;
}
