import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { AppOptions } from "../src/app.js";
import type { Config } from "../src/config/config.js";
import { type ServerClient, serverClient } from "./api-client.js";
import { freePort } from "./free-ports.js";

export type TestServer = ServerClient & {
  /** The app itself: its plugins' decorations (database, storage, events, processing) are there to inspect. */
  app: FastifyInstance;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
};

/**
 * The real app in this process, on a temporary DATA_DIR and a free loopback port (embedded
 * defaults: PGlite, disk storage, in-process events). `env` overrides configuration exactly as the
 * environment would; `argv` takes `--role=…`.
 */
export async function startTestServer(
  opts: { env?: Record<string, string | undefined>; argv?: string[]; app?: AppOptions } = {},
): Promise<TestServer> {
  // Loaded here, not at the top: importing this module (for the child-process helper beside it)
  // must not load the whole server into a client's process.
  const [{ buildApp }, { loadConfig }] = await Promise.all([
    import("../src/app.js"),
    import("../src/config/config.js"),
  ]);
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  try {
    const env: Record<string, string | undefined> = {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      AUTH_RATE_LIMIT: "1000",
      ...opts.env,
    };
    const config = loadConfig(env as NodeJS.ProcessEnv, opts.argv ?? []);
    const app = await buildApp(config, opts.app);
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await app.close();
      throw error;
    }
    return {
      ...serverClient(url),
      app,
      config,
      dataDir,
      async close() {
        await app.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
