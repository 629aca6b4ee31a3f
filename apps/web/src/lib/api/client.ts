import { ApiError, createJsonClient, NetworkError, type ResponseSchema } from "@rapidphoto/uploader";
import { API_URL } from "../config";

/**
 * The web app's JSON requests go through the upload engine's client (one HTTP client and one
 * `ApiError` in the browser); this only sets the base URL and words failures for people.
 */
export { ApiError, type ResponseSchema };

/** Codes the client raises itself, next to the server's ERROR_CODES. */
export const CLIENT_ERROR_CODES = {
  NETWORK: "NETWORK",
  BAD_RESPONSE: "BAD_RESPONSE",
} as const;

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export interface RequestOptions<T> {
  method?: "GET" | "POST";
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  signal?: AbortSignal;
  /** Validates the success body, so a contract drift fails loudly here and not deep in the UI. */
  schema: ResponseSchema<T>;
}

const request = createJsonClient({ baseUrl: API_URL });

/**
 * One JSON request to the API. Resolves with the parsed body; rejects with an `ApiError` for any
 * non-2xx answer, an unreachable server or a body that breaks the contract. Aborts reject with the
 * signal's own reason so callers (TanStack Query) can tell cancellation apart.
 */
export async function apiRequest<T>(path: string, options: RequestOptions<T>): Promise<T> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const { body, signal, schema } = options;
  try {
    return await request(method, path, { body, signal, schema, token: options.token ?? null });
  } catch (error) {
    throw forPeople(error);
  }
}

/** The engine's errors say what happened to a request; people are told what it means for them. */
function forPeople(error: unknown): unknown {
  if (error instanceof NetworkError) {
    return new ApiError(0, CLIENT_ERROR_CODES.NETWORK, "Can't reach RapidPhoto. Check your connection and try again.");
  }
  if (!(error instanceof ApiError)) return error;
  if (error.code === CLIENT_ERROR_CODES.BAD_RESPONSE) {
    return new ApiError(error.status, error.code, "The server sent an unexpected response.", error.details);
  }
  if (error.code === `HTTP_${error.status}`) {
    // Not our server's error shape (proxy, crash page): keep the status, say something useful.
    const message =
      error.status >= 500
        ? "Something went wrong on our side. Try again shortly."
        : `The request failed (HTTP ${error.status}).`;
    return new ApiError(error.status, error.code, message, undefined, error.retryAfter);
  }
  return error;
}
