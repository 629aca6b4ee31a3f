import type { FastifyInstance } from "fastify";

/**
 * Lets one extra origin (the Next dev server on another port) call the API with a bearer token.
 * Production serves the web app on the same origin and needs none of this; storage URLs set their
 * own CORS headers because browsers PUT to them from the page's origin, whatever it is.
 */
export function allowOrigin(app: FastifyInstance, origin: string): void {
  app.addHook("onRequest", async (request, reply) => {
    if (request.headers.origin !== origin) return;
    reply.header("access-control-allow-origin", origin);
    reply.header("vary", "Origin");
    if (request.method === "OPTIONS") {
      reply.header("access-control-allow-methods", "GET, POST, PUT, DELETE, OPTIONS");
      reply.header("access-control-allow-headers", "authorization, content-type");
      reply.header("access-control-max-age", "600");
      return reply.code(204).send();
    }
  });
}
