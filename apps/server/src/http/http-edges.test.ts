import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REDIS_TEST_URL, skipWithoutRedis } from "../../test/support/redis-test-support.js";
import { type CuttableProxy, startCuttableProxy } from "../../testing/cuttable-proxy.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";

describe("liveness and readiness", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("answers liveness without asking any dependency, and readiness with each one's state", async () => {
    expect(await server.api("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
    expect(await server.api("GET", "/readyz")).toEqual({
      status: 200,
      body: {
        status: "ok",
        database: { kind: "pglite", ok: true },
        storage: { kind: "disk", ok: true },
        events: { kind: "memory", ok: true },
      },
    });
    const db = vi.spyOn(server.app.database, "check").mockRejectedValue(new Error("db down"));
    try {
      expect(await server.api("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
      const notReady = await server.api("GET", "/readyz");
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ status: "unavailable", database: { ok: false }, storage: { ok: true } });
    } finally {
      db.mockRestore();
    }
    const storage = vi.spyOn(server.app.storage, "check").mockRejectedValue(new Error("disk gone"));
    try {
      const notReady = await server.api("GET", "/readyz");
      expect(notReady.status).toBe(503);
      expect(notReady.body).toMatchObject({ status: "unavailable", storage: { ok: false } });
    } finally {
      storage.mockRestore();
    }
  });
});

describe.skipIf(await skipWithoutRedis("readiness with Redis down"))("readiness with Redis down", () => {
  let server: TestServer;
  let redis: CuttableProxy;
  beforeAll(async () => {
    const target = new URL(REDIS_TEST_URL);
    redis = await startCuttableProxy({ host: target.hostname, port: Number(target.port || 6379) });
    server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` } });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  it("stays ready (200, degraded, naming events) while uploads and finalize go on", async () => {
    expect((await server.api("GET", "/readyz")).body).toMatchObject({
      status: "ok",
      events: { kind: "redis", ok: true },
    });
    redis.cut();
    const ready = await server.api("GET", "/readyz");
    expect(ready).toEqual({
      status: 200,
      body: {
        status: "degraded",
        database: { kind: "pglite", ok: true },
        storage: { kind: "disk", ok: true },
        events: { kind: "redis", ok: false },
      },
    });
    expect((await server.api("GET", "/healthz")).status).toBe(200);

    // The reason to stay in rotation: the work itself does not need the bus.
    const { token } = await server.register();
    const bytes = await makeTestJpeg({ width: 64, height: 48 });
    const job = await server.api("POST", "/commands/upload-jobs", {
      token,
      body: { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: bytes.length }] },
    });
    expect(job.status).toBe(201);
    const item = job.body.items[0];
    expect((await fetch(item.url, { method: "PUT", body: bytes, headers: item.headers })).status).toBe(200);
    const finalized = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, { token, body: {} });
    expect(finalized).toMatchObject({ status: 202, body: { status: "PROCESSING" } });

    redis.restore();
    await vi.waitFor(async () => expect((await server.api("GET", "/readyz")).body.status).toBe("ok"), {
      timeout: 60_000,
      interval: 200,
    });
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
