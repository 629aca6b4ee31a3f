import { MeResponse } from "@rapidphoto/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, apiRequest } from "./client";

function answer(status: number, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return vi.fn(async (_url: string, _init?: RequestInit) => new Response(text, { status }));
}

afterEach(() => vi.unstubAllGlobals());

describe("apiRequest", () => {
  it("sends JSON with the bearer token and returns the validated body", async () => {
    const fetch = answer(200, { userId: "user_1", email: "a@example.com" });
    vi.stubGlobal("fetch", fetch);

    const me = await apiRequest("/api/auth/me", { token: "t0k", schema: MeResponse });

    expect(me).toEqual({ userId: "user_1", email: "a@example.com" });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/api/auth/me");
    expect(init?.method).toBe("GET");
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer t0k");
  });

  it("posts a body as JSON", async () => {
    const fetch = answer(200, { userId: "u", email: "e" });
    vi.stubGlobal("fetch", fetch);

    await apiRequest("/x", { body: { a: 1 }, schema: MeResponse });

    const init = fetch.mock.calls[0]![1];
    expect(init?.method).toBe("POST");
    expect(init?.body).toBe('{"a":1}');
    expect(new Headers(init?.headers).get("content-type")).toBe("application/json");
  });

  it("turns the server's error body into an ApiError with code, status and details", async () => {
    const details = { fieldErrors: { email: ["Enter a valid email address."] } };
    vi.stubGlobal("fetch", answer(400, { code: "VALIDATION_FAILED", message: "The request is not valid.", details }));

    const error = await apiRequest("/x", { body: {}, schema: MeResponse }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: "VALIDATION_FAILED",
      message: "The request is not valid.",
      details,
    });
  });

  it("keeps the status when an error is not the API's shape", async () => {
    vi.stubGlobal("fetch", answer(502, "<html>Bad gateway</html>"));

    await expect(apiRequest("/x", { schema: MeResponse })).rejects.toMatchObject({ status: 502, code: "HTTP_502" });
  });

  it("reports an unreachable server as a NETWORK error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("fetch failed");
      }),
    );

    await expect(apiRequest("/x", { schema: MeResponse })).rejects.toMatchObject({ status: 0, code: "NETWORK" });
  });

  it("rejects a success body that breaks the contract", async () => {
    vi.stubGlobal("fetch", answer(200, { userId: 42 }));

    await expect(apiRequest("/x", { schema: MeResponse })).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });

  it("lets an abort through as the abort, not as a network error", async () => {
    const controller = new AbortController();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        controller.abort();
        throw controller.signal.reason;
      }),
    );

    const error = await apiRequest("/x", { schema: MeResponse, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApiError);
    expect((error as Error).name).toBe("AbortError");
  });
});
