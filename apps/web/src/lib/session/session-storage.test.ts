import { describe, expect, it } from "vitest";
import {
  clearSession,
  loadSession,
  SESSION_STORAGE_KEY,
  type SessionStorageLike,
  saveSession,
  sessionFromAuth,
} from "./session-storage";

function memoryStorage(): SessionStorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

const auth = { userId: "user_1", email: "a@example.com", token: "t0k", tokenType: "Bearer" as const, expiresIn: 3600 };
const NOW = 1_700_000_000_000;

describe("session storage", () => {
  it("turns expiresIn (seconds) into an absolute expiry", () => {
    expect(sessionFromAuth(auth, NOW).expiresAt).toBe(NOW + 3_600_000);
  });

  it("round-trips a session under rapidphoto.session", () => {
    const storage = memoryStorage();
    const session = sessionFromAuth(auth, NOW);
    saveSession(storage, session);

    expect(storage.data.has(SESSION_STORAGE_KEY)).toBe(true);
    expect(loadSession(storage, NOW + 1000)).toEqual(session);
  });

  it("drops an expired session (with a safety margin before the real expiry)", () => {
    const storage = memoryStorage();
    saveSession(storage, sessionFromAuth(auth, NOW));

    expect(loadSession(storage, NOW + 3_600_000 - 1000)).toBeNull();
    expect(storage.data.has(SESSION_STORAGE_KEY)).toBe(false);
  });

  it("drops malformed data instead of trusting it", () => {
    const storage = memoryStorage();
    storage.setItem(SESSION_STORAGE_KEY, '{"token":"x"}');
    expect(loadSession(storage, NOW)).toBeNull();

    storage.setItem(SESSION_STORAGE_KEY, "not json");
    expect(loadSession(storage, NOW)).toBeNull();
    expect(storage.data.size).toBe(0);
  });

  it("reads as signed out when storage is blocked", () => {
    const blocked: SessionStorageLike = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("SecurityError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    expect(loadSession(blocked, NOW)).toBeNull();
    expect(() => saveSession(blocked, sessionFromAuth(auth, NOW))).not.toThrow();
    expect(() => clearSession(blocked)).not.toThrow();
  });
});
