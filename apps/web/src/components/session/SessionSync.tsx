"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { SESSION_STORAGE_KEY } from "@/lib/session/session-storage";
import { hydrateSession, sessionStore } from "@/lib/session/session-store";

/**
 * Loads the saved session once the app runs in the browser, follows sign-in/out in other tabs, and
 * drops cached server data whenever the session that fetched it ends.
 */
export function SessionSync() {
  const queryClient = useQueryClient();

  useEffect(() => {
    hydrateSession();
    const onStorage = (event: StorageEvent) => {
      if (event.key === SESSION_STORAGE_KEY || event.key === null) hydrateSession();
    };
    window.addEventListener("storage", onStorage);
    const unsubscribe = sessionStore.subscribe((state, previous) => {
      if (previous.session && state.session?.token !== previous.session.token) queryClient.clear();
    });
    return () => {
      window.removeEventListener("storage", onStorage);
      unsubscribe();
    };
  }, [queryClient]);

  return null;
}
