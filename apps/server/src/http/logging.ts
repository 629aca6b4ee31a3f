import type { Writable } from "node:stream";
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";
import { stdSerializers } from "pino";
import PinoPretty from "pino-pretty";
import type { Config } from "../config/config.js";
import { DISK_STORAGE_PREFIX } from "../storage/disk-storage.js";

const REDACTED = "[redacted]";

/**
 * Query parameters that are credentials: the disk store's `signature`, S3's presigned-URL
 * signature, access key id and session token. Anyone holding a logged one could download or
 * overwrite the object until the URL expires, so their values never reach a log line.
 */
const SECRET_QUERY = /([?&](?:signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#]*/gi;

/** The URL with every credential in its query string replaced by "[redacted]". */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${REDACTED}`);
}

/**
 * Headers that carry credentials, wherever a logged object holds them (a `req`, an `err` from an
 * HTTP client, a `headers` object logged as is).
 */
const REDACT_PATHS = ["authorization", "cookie", "set-cookie", "x-amz-security-token"].flatMap((name) => [
  `headers["${name}"]`,
  `*.headers["${name}"]`,
  `*.*.headers["${name}"]`,
]);

/** Fastify's own request serializer, with the URL's credentials masked. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * A failed query's parameters: Drizzle writes them into the error's message (and so its stack)
 * and keeps them as `params`. They are whatever the query carried (a password hash, an email, a
 * token version), so an error logged at 5xx keeps the query and loses its values.
 */
const QUERY_PARAMS = /\nparams: [\s\S]*?(?=\n\s+at |$)/;

/** pino's error serializer, with every failed query's parameters (on the error or its causes) removed. */
export function serializeError(error: Error): unknown {
  const scrub = (serialized: Record<string, unknown>): Record<string, unknown> => {
    const { params: _params, cause, ...rest } = serialized;
    for (const key of ["message", "stack"] as const) {
      if (typeof rest[key] === "string")
        rest[key] = (rest[key] as string).replace(QUERY_PARAMS, `\nparams: ${REDACTED}`);
    }
    return cause && typeof cause === "object" ? { ...rest, cause: scrub(cause as Record<string, unknown>) } : rest;
  };
  return scrub(stdSerializers.err(error) as unknown as Record<string, unknown>);
}

const isStorageRequest = (request: FastifyRequest) => request.url.startsWith(`${DISK_STORAGE_PREFIX}/`);

/**
 * Requests to signed storage URLs are logged at debug: a 1,000-photo batch makes thousands of
 * part PUTs and the library's thumbnails as many GETs, which would bury everything else at info.
 * Their failures keep the usual levels (the error handler logs 5xx at error).
 */
class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isStorageRequest(request)) request.log.debug({ req: request }, "incoming request");
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && isStorageRequest(request)) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, "request completed");
    } else {
      super.requestCompleted(error, request, reply);
    }
  }

  override routeNotFound(request: FastifyRequest): void {
    // Fastify's own line prints the raw URL, query string included.
    request.log.info(`Route ${request.method}:${redactUrl(request.url)} not found`);
  }
}

/**
 * Fastify's logger settings: pino at LOG_LEVEL, human-readable lines on a terminal and JSON
 * otherwise (LOG_FORMAT overrides), credentials redacted. `destination` replaces stdout (tests).
 */
export function loggingOptions(
  config: Pick<Config, "logLevel" | "logFormat">,
  destination?: Writable,
): Pick<FastifyServerOptions, "logger" | "logController"> {
  if (config.logLevel === "silent") return { logger: false };
  const pretty = (config.logFormat ?? (process.stdout.isTTY ? "pretty" : "json")) === "pretty";
  const stream = pretty
    ? PinoPretty({
        destination: destination ?? 1,
        colorize: !destination && process.stdout.isTTY === true,
        translateTime: "SYS:HH:MM:ss.l",
        ignore: "pid,hostname",
        singleLine: true,
        // Written in the calling thread, so the last lines before an exit are not lost.
        sync: true,
      })
    : destination;
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { req: serializeRequest as never, err: serializeError as never },
      ...(stream ? { stream } : {}),
    },
    logController: new RequestLogs(),
  };
}
