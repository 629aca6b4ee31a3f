import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { ErrorBody } from "@rapidphoto/protocol";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

/** Routes that need `Authorization: Bearer <token>` say so with this. */
export const SIGNED_IN = [{ bearer: [] }];

/** Every failure answers `{code, message, details?}` (DESIGN §4); routes list it beside their success. */
export const ERROR_RESPONSES = { "4xx": ErrorBody, "5xx": ErrorBody } as const;

export const DOCS_PREFIX = "/docs";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/**
 * The OpenAPI document, generated from the routes' zod schemas (never written by hand), at
 * /docs/json, and a reference page at /docs. Register before the routes: the document is built
 * from the routes registered after it. A route without a schema (web pages, signed storage URLs,
 * the docs themselves) is not part of the API and stays out of the document.
 */
export async function openApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: "RapidPhoto API",
        version,
        description:
          "Upload jobs, signed uploads and the photo library. Live job and photo updates are pushed over STOMP at /ws (SockJS) and /ws/websocket (DESIGN §6).",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    },
    transform: (document) =>
      document.schema ? jsonSchemaTransform(document) : { schema: { hide: true }, url: document.url },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // The reference page brings its own CSP (its inline script and styles by hash) in place of the
    // app's; without upgrade-insecure-requests, which would break it on a plain-HTTP instance.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ""),
  });
}
