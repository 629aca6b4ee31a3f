import { Credentials, LoginRequest } from "@rapidphoto/protocol";
import type { FastifyInstance } from "fastify";
import { parse } from "../http/validate.js";
import { currentUser, requireUser } from "./auth-plugin.js";
import type { AuthService } from "./auth-service.js";

export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService; rateLimitPerMinute: number }) {
  const { auth } = opts;
  // Guessing passwords and mass sign-ups both go through these two routes.
  const limited = { config: { rateLimit: { max: opts.rateLimitPerMinute, timeWindow: "1 minute" } } };

  app.post("/register", limited, async (request, reply) => {
    const result = await auth.register(parse(Credentials, request.body));
    return reply.code(201).send(result);
  });

  app.post("/login", limited, async (request) => auth.login(parse(LoginRequest, request.body)));

  app.get("/me", { preHandler: requireUser(auth) }, async (request) => currentUser(request));
}
