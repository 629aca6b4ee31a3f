"use client";

import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo } from "react";
import { toast } from "sonner";
import { useStore } from "zustand";
import { useWebSocket } from "@/hooks/useWebSocket";
import { photoKeys } from "@/lib/api/uploads";
import { sessionStore, useSession } from "@/lib/session/session-store";
import { throttleTrailing } from "@/lib/throttle";
import { batchMessage } from "@/lib/upload/batches";
import { type UploadSession, uploadSessionFor } from "@/lib/upload/uploader";
import type { ConnectionState } from "@/lib/websocket/client";

/** A burst of photos finishing refreshes the library at most this often. */
const LIBRARY_REFRESH_MS = 1_000;

const UploadSessionContext = createContext<UploadSession | null>(null);
const ConnectionContext = createContext<ConnectionState>("closed");

/**
 * The signed-in user's upload engine and its live connection, for everything in the library: the
 * picker, the drop overlay, the panel. Mounted inside <RequireSession>, so there is always a user.
 */
export function UploadProvider({ children }: { children: ReactNode }) {
  const userId = useSession((state) => state.session?.userId ?? null);
  const queryClient = useQueryClient();

  const session = useMemo(() => {
    if (!userId) return null;
    const refreshLibrary = throttleTrailing(
      () => void queryClient.invalidateQueries({ queryKey: photoKeys.all }),
      LIBRARY_REFRESH_MS,
    );
    return uploadSessionFor({
      userId,
      getToken: () => sessionStore.getState().session?.token ?? null,
      queryClient,
      onLibraryChanged: refreshLibrary,
      onBatchSettled(result) {
        void queryClient.invalidateQueries({ queryKey: photoKeys.all });
        const message = batchMessage(result);
        if (message) toast[message.kind](message.title);
      },
    });
  }, [userId, queryClient]);

  if (!session) return children;
  return (
    <UploadSessionContext value={session}>
      <LiveConnection session={session}>{children}</LiveConnection>
    </UploadSessionContext>
  );
}

function LiveConnection({ session, children }: { session: UploadSession; children: ReactNode }) {
  const state = useWebSocket(session);
  useWarnBeforeLeaving(session);
  return <ConnectionContext value={state}>{children}</ConnectionContext>;
}

export function useUploadSession(): UploadSession {
  const session = useContext(UploadSessionContext);
  if (!session) throw new Error("useUploadSession must be used inside <UploadProvider>");
  return session;
}

/** The realtime connection's state, for the panel's "live" indicator. */
export function useConnectionState(): ConnectionState {
  return useContext(ConnectionContext);
}

/** Closing or reloading the tab stops uploads still sending (the files live in this tab): ask first. */
function useWarnBeforeLeaving(session: UploadSession) {
  const sending = useStore(session.uploader.store, (state) =>
    Object.values(state.files).some((f) => (f.status === "QUEUED" || f.status === "UPLOADING") && !f.paused),
  );
  useEffect(() => {
    if (!sending) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [sending]);
}
