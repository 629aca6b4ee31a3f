"use client";

import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { toast } from "sonner";
import { useStore } from "zustand";
import { FullPageStatus } from "@/components/ui/FullPageStatus";
import { photoChanges, photoKeys } from "@/lib/api/photos";
import { sessionStore, useSession } from "@/lib/session/session-store";
import { throttleTrailing } from "@/lib/throttle";
import { useLiveConnection } from "../hooks/use-live-connection";
import { ConnectionContext, UploadSessionContext } from "../hooks/use-upload-session";
import { batchMessage } from "../state/batches";
import { isSending } from "../state/local-panel";
import { createUploadSession, type UploadSession } from "../state/upload-session";

/** A burst of photos finishing refreshes the library at most this often. */
const LIBRARY_REFRESH_MS = 1_000;

/**
 * The signed-in user's upload engine and its live connection, for everything in the library: the
 * picker, the drop overlay, the panel. Mounted inside <RequireSession>, so there is always a user.
 * The session lives exactly as long as this effect: created for the user, destroyed when the user
 * changes, signs out (here or in another tab) or the library unmounts, so nothing keeps uploading
 * for a signed-out tab.
 */
export function UploadProvider({ children }: { children: ReactNode }) {
  const userId = useSession((state) => state.session?.userId ?? null);
  const queryClient = useQueryClient();
  const [session, setSession] = useState<UploadSession | null>(null);

  useEffect(() => {
    if (!userId) return;
    // Changed photos are collected and announced at most once a second; lists not on screen are only
    // marked stale (fetched again when shown), the one on screen patches just those photos.
    const changed = new Set<string>();
    const flush = throttleTrailing(() => {
      const ids = [...changed];
      changed.clear();
      void queryClient.invalidateQueries({ queryKey: photoKeys.all, refetchType: "none" });
      photoChanges.announce(ids);
    }, LIBRARY_REFRESH_MS);
    const refreshLibrary = (photoIds: string[]) => {
      for (const id of photoIds) changed.add(id);
      flush();
    };
    const created = createUploadSession({
      userId,
      getToken: () => sessionStore.getState().session?.token ?? null,
      queryClient,
      onLibraryChanged: refreshLibrary,
      onBatchSettled(result) {
        const message = batchMessage(result);
        if (message) toast[message.kind](message.title);
      },
    });
    setSession(created);
    return () => {
      created.destroy();
      setSession((current) => (current === created ? null : current));
    };
  }, [userId, queryClient]);

  // One frame at most: the session is created right after the first commit.
  if (!session || session.userId !== userId) return <FullPageStatus busy title="Opening your library…" />;
  return (
    <UploadSessionContext value={session}>
      <LiveConnection session={session}>{children}</LiveConnection>
    </UploadSessionContext>
  );
}

function LiveConnection({ session, children }: { session: UploadSession; children: ReactNode }) {
  const state = useLiveConnection(session);
  useWarnBeforeLeaving(session);
  return <ConnectionContext value={state}>{children}</ConnectionContext>;
}

/** Closing or reloading the tab stops uploads still sending (the files live in this tab): ask first. */
function useWarnBeforeLeaving(session: UploadSession) {
  const sending = useStore(session.uploader.store, isSending);
  useEffect(() => {
    if (!sending) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [sending]);
}
