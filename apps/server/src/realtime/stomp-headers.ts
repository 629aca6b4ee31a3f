import { StompProtocolError } from "./stomp-errors.js";
import { STOMP_VERSIONS, type StompHeaders, type StompVersion } from "./stomp-frame.js";

/** The highest version both sides speak; a CONNECT without accept-version is 1.0 (spec). */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | null {
  if (acceptVersion === undefined) return "1.0";
  const offered = new Set(acceptVersion.split(",").map((v) => v.trim()));
  for (let i = STOMP_VERSIONS.length - 1; i >= 0; i--) {
    const version = STOMP_VERSIONS[i]!;
    if (offered.has(version)) return version;
  }
  return null;
}

/** `Authorization: Bearer <jwt>` (header name matched case-insensitively), else `passcode`. */
export function connectToken(headers: StompHeaders): string {
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  if (authorization !== undefined) {
    const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw new StompProtocolError("UNAUTHENTICATED", "Authorization must be 'Bearer <token>'");
    return match[1];
  }
  const passcode = headers.passcode?.trim();
  if (!passcode) throw new StompProtocolError("UNAUTHENTICATED", "no token in Authorization or passcode");
  return passcode;
}

export function requireHeader(headers: StompHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined || value === "") throw new StompProtocolError("MISSING_HEADER", name);
  return value;
}
