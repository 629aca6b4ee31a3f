"use client";

import { useRouter } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { buttonClass } from "@/components/ui/button-styles";
import { FullPageStatus } from "@/components/ui/FullPageStatus";
import { useMe } from "@/hooks/use-me";
import { isApiError } from "@/lib/api/client";
import { useSession } from "@/lib/session/session-store";

/**
 * Client-side guard (a static export has no server to redirect): renders its children only once the
 * stored token has been confirmed by GET /api/auth/me; no session, or a 401, goes to /login.
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const router = useRouter();
  const status = useSession((state) => state.status);
  const me = useMe();

  useEffect(() => {
    if (status === "signed-out") router.replace("/login");
  }, [status, router]);

  if (status !== "signed-in" || me.isPending) return <FullPageStatus busy title="Opening your library…" />;

  // A 401 has already ended the session (query-client.ts); anything else is worth a retry.
  if (me.isError && !(isApiError(me.error) && me.error.status === 401)) {
    return (
      <FullPageStatus title="We couldn't load your account">
        <p className="max-w-sm text-muted text-sm">{me.error.message}</p>
        <button type="button" className={buttonClass("secondary")} onClick={() => me.refetch()}>
          Try again
        </button>
      </FullPageStatus>
    );
  }
  if (me.isError) return <FullPageStatus busy title="Signing you out…" />;
  return children;
}
