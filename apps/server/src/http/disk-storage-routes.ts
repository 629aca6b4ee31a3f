import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { attachmentDisposition } from "../storage/content-disposition.js";
import { BodyIncompleteError, BodySizeError } from "../storage/disk-files.js";
import type { DiskStorage } from "../storage/disk-storage.js";
import { StorageError } from "../storage/storage.js";
import { SignedUrlError } from "../storage/url-signer.js";
import { AppError, storageAppError } from "./app-error.js";

const PREFLIGHT_MAX_AGE_SEC = 600; // browsers cap this anyway (Chromium: 2 h); 10 min keeps config changes quick

/**
 * The HTTP side of disk storage: the signed URLs that createDiskStorage hands out. Register with
 * `{ prefix: "/storage" }` (DISK_STORAGE_PREFIX). Bodies stream straight to disk, never into
 * memory, whatever their content type; every response carries S3-like CORS headers because the
 * web app may run on another origin in development.
 */
export async function diskStorageRoutes(app: FastifyInstance, opts: { storage: DiskStorage }): Promise<void> {
  const { storage } = opts;

  // Encapsulated: only this plugin's routes see the pass-through parser. The body stays unread in
  // request.raw for the handler to stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  app.addHook("onSend", async (request, reply) => {
    reply.header("access-control-allow-origin", "*");
    reply.header("access-control-expose-headers", "ETag");
    // Answered before the body was read (a rejected PUT): close rather than read the rest.
    if (!request.raw.complete) reply.header("connection", "close");
  });

  // Storage errors become the app's own; the app's error handler answers, logs and notices
  // clients that went away, for these routes as for every other.
  app.setErrorHandler((error) => {
    throw toAppError(error);
  });

  app.options("/*", async (request, reply) => {
    const requested = request.headers["access-control-request-headers"];
    return reply
      .code(204)
      .header("access-control-allow-methods", "GET, HEAD, PUT")
      .header("access-control-allow-headers", typeof requested === "string" ? requested : "content-type")
      .header("access-control-max-age", String(PREFLIGHT_MAX_AGE_SEC))
      .send();
  });

  app.put("/*", async (request, reply) => {
    const key = keyOf(request);
    const grant = storage.authorize("PUT", key, request.query);
    const declaredBytes = contentLength(request);
    const signal = abortOnClientGone(reply);
    if (grant.kind === "put") {
      const { size, contentType } = grant;
      const { etag } = await storage.receiveObject(key, request.raw, { size, contentType, declaredBytes, signal });
      return reply.header("etag", etag).send();
    }
    if (grant.kind === "part") {
      const { uploadId, partNumber, maxBytes } = grant;
      const { etag } = await storage.receivePart(key, uploadId, partNumber, request.raw, {
        maxBytes,
        declaredBytes,
        signal,
      });
      return reply.header("etag", etag).send();
    }
    throw new SignedUrlError("SIGNATURE_INVALID", "This URL does not permit uploads.");
  });

  app.get("/*", { exposeHeadRoute: false }, async (request, reply) => {
    const key = keyOf(request);
    const grant = storage.authorize("GET", key, request.query);
    const { info, body } = await storage.open(key);
    objectHeaders(reply, grant, info);
    return reply.send(body);
  });

  app.head("/*", async (request, reply) => {
    const key = keyOf(request);
    const grant = storage.authorize("GET", key, request.query);
    const info = await storage.head(key);
    if (!info) throw new StorageError("NO_SUCH_KEY", "No such object.");
    objectHeaders(reply, grant, info);
    return reply.send();
  });
}

function keyOf(request: FastifyRequest): string {
  return (request.params as { "*": string })["*"];
}

function contentLength(request: FastifyRequest): number | undefined {
  const value = Number(request.headers["content-length"]); // Node's parser has already rejected malformed ones
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Aborts when the connection closes before the response is done (the uploader gave up). */
function abortOnClientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new BodyIncompleteError());
  });
  return controller.signal;
}

function objectHeaders(
  reply: FastifyReply,
  grant: { kind: string; expires: number; filename?: string },
  info: { size: number; etag: string; contentType: string | null },
): void {
  const maxAge = Math.max(0, grant.expires - Math.floor(Date.now() / 1000));
  reply
    .header("content-type", info.contentType ?? "application/octet-stream")
    .header("content-length", String(info.size))
    .header("etag", info.etag)
    // The URL stops working at its expiry, so no cache may keep it longer; private: it is one user's photo.
    .header("cache-control", `private, max-age=${maxAge}`)
    // User bytes served from our own origin: never let a browser sniff them into HTML or script.
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "sandbox");
  if (grant.filename !== undefined) reply.header("content-disposition", attachmentDisposition(grant.filename));
}

function toAppError(error: unknown): unknown {
  if (error instanceof SignedUrlError) return new AppError(error.code, undefined, undefined, { cause: error });
  if (error instanceof BodySizeError) {
    return new AppError(error.code === "TOO_LARGE" ? "PAYLOAD_TOO_LARGE" : "VALIDATION_FAILED", error.message);
  }
  if (error instanceof StorageError) return storageAppError(error);
  if (error instanceof BodyIncompleteError) return new AppError("VALIDATION_FAILED", error.message);
  return error; // Fastify's own errors and real failures: the app's handler knows them
}
