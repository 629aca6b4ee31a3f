import { AuthResponse, Credentials, LoginRequest, MeResponse } from "@rapidphoto/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_RESPONSES, SIGNED_IN } from "../http/openapi.js";
import { currentUser, requireUser } from "./auth-plugin.js";
import type { AuthService } from "./auth-service.js";

const tags = ["auth"];

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; rateLimitPerMinute: number }> = async (
  app,
  opts,
) => {
  const { auth } = opts;
  // Guessing passwords and mass sign-ups both go through these two routes.
  const rateLimit = { max: opts.rateLimitPerMinute, timeWindow: "1 minute" };

  app.post(
    "/register",
    {
      config: { rateLimit },
      schema: {
        tags,
        summary: "Create an account and sign in",
        body: Credentials,
        response: { 201: AuthResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => reply.code(201).send(await auth.register(request.body)),
  );

  app.post(
    "/login",
    {
      config: { rateLimit },
      schema: { tags, summary: "Sign in", body: LoginRequest, response: { 200: AuthResponse, ...ERROR_RESPONSES } },
    },
    async (request) => auth.login(request.body),
  );

  app.get(
    "/me",
    {
      onRequest: requireUser(auth),
      schema: {
        tags,
        summary: "Who the token belongs to",
        security: SIGNED_IN,
        response: { 200: MeResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => currentUser(request),
  );

  // Every token of this user stops working, this one included; open sockets are closed everywhere.
  app.post(
    "/sign-out-everywhere",
    {
      onRequest: requireUser(auth),
      schema: {
        tags,
        summary: "End every session of this user, on every device",
        security: SIGNED_IN,
        response: { 204: z.null().describe("Signed out everywhere"), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await auth.signOutEverywhere(currentUser(request).userId);
      return reply.code(204).send(null);
    },
  );
};
