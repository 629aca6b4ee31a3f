import { AuthResponse, type Credentials, type LoginRequest, MeResponse } from "@rapidphoto/protocol";
import { apiRequest } from "./client";

/** TanStack Query key of the signed-in user; scoped by token so a new session never sees old data. */
export const meQueryKey = (token: string | null) => ["auth", "me", token] as const;

export function register(credentials: Credentials, signal?: AbortSignal): Promise<AuthResponse> {
  return apiRequest("/api/auth/register", { body: credentials, signal, schema: AuthResponse });
}

export function login(credentials: LoginRequest, signal?: AbortSignal): Promise<AuthResponse> {
  return apiRequest("/api/auth/login", { body: credentials, signal, schema: AuthResponse });
}

export function fetchMe(token: string, signal?: AbortSignal): Promise<MeResponse> {
  return apiRequest("/api/auth/me", { token, signal, schema: MeResponse });
}
