import type { ErrorBody } from "@rapidphoto/protocol";
import type { FastifyError, FastifyInstance } from "fastify";
import { ZodError } from "zod";
import { isDatabaseUnavailable, isTransactionConflict } from "../db/database-errors.js";
import { StorageError } from "../storage/storage.js";
import { AppError, storageAppError } from "./app-error.js";

/** Turns every failure into `{code, message, details?}`; 5xx bodies never carry internals. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    // Not request.raw.destroyed: Node destroys a request stream once its body is read.
    if (request.raw.socket?.destroyed) {
      // The client went away mid-body (a paused or cancelled upload): nothing to answer, nothing wrong here.
      request.log.debug("client closed the request before it finished");
      return reply;
    }
    if (isDatabaseUnavailable(error)) {
      // Caught in a lost connection: the pool reconnects by itself, so the caller should simply
      // retry (the upload engine does on 503). Not an error of ours worth a stack at error level.
      request.log.warn({ err: error }, "request failed: database unavailable");
      const { status, body } = toErrorBody(new AppError("DATABASE_UNAVAILABLE"));
      return reply.code(status).header("retry-after", "1").type("application/json").send(body);
    }
    if (isTransactionConflict(error)) {
      // Lost a race with another transaction (a deadlock, a serialization failure): PostgreSQL rolled
      // this one back whole, so the request can simply be sent again (the upload engine retries 503s
      // after Retry-After). A race, not a bug: no stack at error level.
      request.log.warn({ err: error }, "request failed: lost a database race");
      const { status, body } = toErrorBody(new AppError("DATABASE_CONFLICT"));
      return reply.code(status).header("retry-after", "1").type("application/json").send(body);
    }
    const { status, body } = toErrorBody(error);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.debug({ code: body.code }, body.message);
    return reply.code(status).type("application/json").send(body);
  });

  // Pages are the web app's (http/web-app.ts serves its 404 page); what reaches here is an API path.
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError("ROUTE_NOT_FOUND", `There is no ${request.method} ${request.url.split("?")[0]}.`);
    return reply.code(404).send({ code: error.code, message: error.message } satisfies ErrorBody);
  });
}

export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  // Storage down or unwritable reaches here from any route (sign, finalize, PUT): a retryable 503.
  if (error instanceof StorageError && error.code === "UNAVAILABLE") return toErrorBody(storageAppError(error));
  if (error instanceof AppError) {
    return {
      status: error.statusCode,
      body: {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: validationBody(error) };
  }
  const fe = error as Partial<FastifyError> & { statusCode?: number };
  if (fe && typeof fe === "object" && typeof fe.statusCode === "number" && fe.statusCode < 500) {
    const status = fe.statusCode;
    if (fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      return { status: 400, body: { code: "BAD_JSON", message: "The request body is not valid JSON." } };
    }
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return { status: 413, body: { code: "PAYLOAD_TOO_LARGE", message: "The request body is too large." } };
    }
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return {
        status: 415,
        body: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Send JSON with Content-Type: application/json." },
      };
    }
    if (status === 429) {
      return { status, body: { code: "RATE_LIMITED", message: "Too many requests. Try again shortly." } };
    }
    return {
      status,
      body: { code: status === 404 ? "NOT_FOUND" : "BAD_REQUEST", message: fe.message ?? "Bad request." },
    };
  }
  return { status: 500, body: { code: "INTERNAL", message: "Something went wrong on our side." } };
}

export function validationBody(error: ZodError): ErrorBody {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_";
    fieldErrors[key] = [...(fieldErrors[key] ?? []), issue.message];
  }
  return { code: "VALIDATION_FAILED", message: "The request is not valid.", details: { fieldErrors } };
}
