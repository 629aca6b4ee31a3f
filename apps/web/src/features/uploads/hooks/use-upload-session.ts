"use client";

import { createContext, useContext } from "react";
import type { ConnectionState } from "../live/realtime-client";
import type { UploadSession } from "../state/upload-session";

/** Provided by UploadProvider; hooks and components of the feature read them through the hooks below. */
export const UploadSessionContext = createContext<UploadSession | null>(null);
export const ConnectionContext = createContext<ConnectionState>("closed");

export function useUploadSession(): UploadSession {
  const session = useContext(UploadSessionContext);
  if (!session) throw new Error("useUploadSession must be used inside <UploadProvider>");
  return session;
}

/** The realtime connection's state, for the panel's "live" indicator. */
export function useConnectionState(): ConnectionState {
  return useContext(ConnectionContext);
}
