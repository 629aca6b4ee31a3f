import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../../test/helper.js";

describe("health", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("answers 503 naming the dependency that does not answer", async () => {
    const ok = await server.api("GET", "/healthz");
    expect(ok).toEqual({
      status: 200,
      body: {
        status: "ok",
        database: { kind: "pglite", ok: true },
        storage: { kind: "disk", ok: true },
        events: { kind: "memory", ok: true },
      },
    });
    const spy = vi.spyOn(server.app.services.bus, "check").mockRejectedValue(new Error("bus down"));
    try {
      const degraded = await server.api("GET", "/healthz");
      expect(degraded.status).toBe(503);
      expect(degraded.body).toMatchObject({ status: "degraded", events: { ok: false }, database: { ok: true } });
    } finally {
      spy.mockRestore();
    }
  });
});

describe("CORS for the dev server", () => {
  let server: TestServer;
  const origin = "http://localhost:3001";
  beforeAll(async () => {
    server = await startTestServer({ env: { CORS_ORIGIN: origin } });
  });
  afterAll(() => server.close());

  it("lets the configured origin call the API with a token, and no other", async () => {
    const preflight = await fetch(`${server.url}/api/auth/me`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");

    const { token } = await server.register();
    const me = await fetch(`${server.url}/api/auth/me`, { headers: { origin, authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get("access-control-allow-origin")).toBe(origin);

    const stranger = await fetch(`${server.url}/api/auth/me`, {
      headers: { origin: "http://evil.example", authorization: `Bearer ${token}` },
    });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
  });
});
