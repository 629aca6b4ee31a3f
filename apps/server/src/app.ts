import path from "node:path";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance } from "fastify";
import { createAuthService } from "./auth/auth-service.js";
import { authRoutes } from "./auth/auth-routes.js";
import { createTokenService } from "./auth/tokens.js";
import type { Config } from "./config/config.js";
import { type Database, openDatabase } from "./db/database.js";
import { installErrorHandling } from "./http/error-handler.js";
import { healthRoutes } from "./http/health-routes.js";
import { webApp } from "./http/web-app.js";
import { loadOrCreateSecret } from "./secrets.js";

export type AppDeps = { database?: Database };

/**
 * Builds the whole server from config. Every piece is registered here, by hand, in order;
 * infrastructure opened here is closed by the app's onClose hook.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === "silent" ? false : { level: config.logLevel },
    bodyLimit: 4 * 1024 * 1024, // JSON only: a 1000-file job is ~200 KB; photo bytes never come through here
    trustProxy: true,
    return503OnClosing: true,
  });
  installErrorHandling(app, { notFoundPage: path.join(config.webDir, "404.html") });
  app.decorateRequest("user", null);

  const database = deps.database ?? (await openDatabase(config));
  app.addHook("onClose", async () => {
    if (!deps.database) await database.close();
  });

  const jwtSecret = config.jwtSecret
    ? new TextEncoder().encode(config.jwtSecret)
    : await loadOrCreateSecret(config.dataDir, "jwt");
  const tokens = createTokenService(jwtSecret);
  const auth = createAuthService({ db: database.db, tokens });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: "RATE_LIMITED",
      message: `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
    }),
  });

  await app.register(healthRoutes, { probes: { database } });
  await app.register(authRoutes, { prefix: "/api/auth", auth, rateLimitPerMinute: config.authRateLimit });
  await app.register(webApp, { webDir: config.webDir });

  app.decorate("services", { auth, tokens, database });
  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    services: {
      auth: ReturnType<typeof createAuthService>;
      tokens: ReturnType<typeof createTokenService>;
      database: Database;
    };
  }
}
