import type { AuthResponse } from "@rapidphoto/protocol";
import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import {
  clearSession,
  loadSession,
  type Session,
  type SessionStorageLike,
  saveSession,
  sessionFromAuth,
} from "./session-storage";

/**
 * "unknown" until the browser has read localStorage. The static HTML is prerendered without a
 * session, so the first client render must match it; guards wait for a known status.
 */
export type SessionStatus = "unknown" | "signed-in" | "signed-out";

export interface SessionState {
  status: SessionStatus;
  session: Session | null;
}

/** Client state only (STYLE §10): who is signed in. The user's server data lives in TanStack Query. */
export const sessionStore = createStore<SessionState>()(() => ({ status: "unknown", session: null }));

export function useSession<T>(selector: (state: SessionState) => T): T {
  return useStore(sessionStore, selector);
}

/** Reads the saved session; called once on start and whenever another tab changes it. */
export function hydrateSession(): void {
  const session = loadSession(browserStorage());
  sessionStore.setState({ status: session ? "signed-in" : "signed-out", session });
}

export function signIn(auth: AuthResponse): Session {
  const session = sessionFromAuth(auth);
  saveSession(browserStorage(), session);
  sessionStore.setState({ status: "signed-in", session });
  return session;
}

export function signOut(): void {
  clearSession(browserStorage());
  sessionStore.setState({ status: "signed-out", session: null });
}

const NO_STORAGE: SessionStorageLike = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

/** localStorage, unless the browser blocks even reaching it: then the session lasts as long as the tab. */
function browserStorage(): SessionStorageLike {
  try {
    return window.localStorage;
  } catch {
    return NO_STORAGE;
  }
}
