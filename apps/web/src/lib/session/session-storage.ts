import type { AuthResponse } from "@rapidphoto/protocol";

/** Where the session lives between reloads (localStorage key). */
export const SESSION_STORAGE_KEY = "rapidphoto.session";

/**
 * Treat a token as expired this long before it really is, so a request never leaves with a token
 * that lapses on the way (and a clock slightly ahead of the server's doesn't cause a 401 loop).
 */
const EXPIRY_MARGIN_MS = 30_000;

export interface Session {
  token: string;
  userId: string;
  email: string;
  /** Epoch milliseconds after which the token is no longer accepted. */
  expiresAt: number;
}

/** The slice of `Storage` this module uses, so tests can pass a plain Map-backed fake. */
export type SessionStorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export function sessionFromAuth(auth: AuthResponse, now = Date.now()): Session {
  return { token: auth.token, userId: auth.userId, email: auth.email, expiresAt: now + auth.expiresIn * 1000 };
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return now >= session.expiresAt - EXPIRY_MARGIN_MS;
}

/** The saved session, or null when there is none, it is malformed or it has expired (then it is removed). */
export function loadSession(storage: SessionStorageLike, now = Date.now()): Session | null {
  let raw: string | null;
  try {
    raw = storage.getItem(SESSION_STORAGE_KEY);
  } catch {
    return null; // storage blocked (privacy settings): behave as signed out
  }
  if (raw === null) return null;

  const session = parseSession(raw);
  if (session === null || isExpired(session, now)) {
    clearSession(storage);
    return null;
  }
  return session;
}

/** Best effort: when storage is unavailable the session still works until the tab closes. */
export function saveSession(storage: SessionStorageLike, session: Session): void {
  try {
    storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Quota or privacy mode: nothing to do but keep the in-memory session.
  }
}

export function clearSession(storage: SessionStorageLike): void {
  try {
    storage.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // Same as above: the in-memory state is what the app trusts.
  }
}

function parseSession(raw: string): Session | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { token, userId, email, expiresAt } = value as Record<string, unknown>;
  if (typeof token !== "string" || token === "") return null;
  if (typeof userId !== "string" || typeof email !== "string") return null;
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return null;
  return { token, userId, email, expiresAt };
}
