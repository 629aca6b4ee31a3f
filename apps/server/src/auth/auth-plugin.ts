import type { MeResponse } from "@rapidphoto/protocol";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../http/app-error.js";
import type { AuthService } from "./auth-service.js";

declare module "fastify" {
  interface FastifyRequest {
    user: MeResponse | null;
  }
}

/** Extracts the token from `Authorization: Bearer …`; anything else is "no token". */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** A preHandler that requires a signed-in user and puts it on `request.user`. */
export function requireUser(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new AppError("UNAUTHENTICATED");
    request.user = await auth.authenticate(token);
  };
}

/** For handlers behind requireUser: the user, typed as present. */
export function currentUser(request: FastifyRequest): MeResponse {
  if (!request.user) throw new AppError("UNAUTHENTICATED");
  return request.user;
}
