import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp } from "../src/app.js";
import { type Config, loadConfig } from "../src/config/config.js";
import { freePort } from "../testing/free-ports.js";

export { freePort };

export type TestServer = {
  app: FastifyInstance;
  config: Config;
  url: string;
  dataDir: string;
  /** Registers a fresh user and returns its token. */
  register(email?: string, password?: string): Promise<{ token: string; userId: string; email: string }>;
  /** fetch against the server with JSON in and out. */
  api(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
};

let userCounter = 0;

/**
 * Builds the real app on a temporary DATA_DIR and listens on a free loopback port.
 * `env` overrides configuration exactly as the environment would.
 */
export async function startTestServer(
  opts: { env?: Record<string, string | undefined>; argv?: string[]; app?: AppOptions } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-test-"));
  const port = await freePort();
  const config = loadConfig(
    {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      AUTH_RATE_LIMIT: "1000",
      ...opts.env,
    },
    opts.argv ?? [],
  );
  const app = await buildApp(config, opts.app);
  await app.listen({ port: config.port, host: config.host });
  const url = `http://127.0.0.1:${port}`;

  const api: TestServer["api"] = async (method, p, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(`${url}${p}`, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body };
  };

  return {
    app,
    config,
    url,
    dataDir,
    api,
    async register(email, password = "correct horse battery") {
      const address = email ?? `user${++userCounter}-${Date.now()}@example.com`;
      const res = await api("POST", "/api/auth/register", { body: { email: address, password } });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { token: res.body.token, userId: res.body.userId, email: res.body.email };
    },
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
