import { ErrorBody } from "@rapidphoto/protocol";
import { API_URL } from "../config";

/** Codes the client raises itself, next to the server's ERROR_CODES. */
export const CLIENT_ERROR_CODES = {
  NETWORK: "NETWORK",
  BAD_RESPONSE: "BAD_RESPONSE",
} as const;

/** An API failure as the server described it (`{code, message, details?}`) plus its HTTP status. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Anything with zod's `safeParse`: every schema in @rapidphoto/protocol. */
export interface ResponseSchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false };
}

export interface RequestOptions<T> {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  signal?: AbortSignal;
  /** Validates the success body, so a contract drift fails loudly here and not deep in the UI. */
  schema: ResponseSchema<T>;
}

/**
 * One JSON request to the API. Resolves with the parsed body; rejects with an `ApiError` for any
 * non-2xx answer, an unreachable server or a body that breaks the contract. Aborts reject with the
 * signal's own reason so callers (TanStack Query) can tell cancellation apart.
 */
export async function apiRequest<T>(path: string, options: RequestOptions<T>): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;

  let response: Response;
  try {
    response = await fetch(`${API_URL}${path}`, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, CLIENT_ERROR_CODES.NETWORK, "Can't reach RapidPhoto. Check your connection and try again.");
  }

  const payload = await readJson(response);
  if (!response.ok) throw toApiError(response.status, payload);

  const parsed = options.schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiError(response.status, CLIENT_ERROR_CODES.BAD_RESPONSE, "The server sent an unexpected response.");
  }
  return parsed.data;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // e.g. a proxy's HTML error page: handled as "no error body" below
  }
}

function toApiError(status: number, payload: unknown): ApiError {
  const body = ErrorBody.safeParse(payload);
  if (body.success) return new ApiError(status, body.data.code, body.data.message, body.data.details);
  // Not our server's error shape (proxy, crash page): keep the status, say something useful.
  const message =
    status >= 500 ? "Something went wrong on our side. Try again shortly." : `The request failed (HTTP ${status}).`;
  return new ApiError(status, `HTTP_${status}`, message);
}
