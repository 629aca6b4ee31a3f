import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { ensureWebBuild } from "../../../scripts/build-web.mjs";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Screenshots for people to look at; .tmp/ is git-ignored. */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, ".tmp");

/** Generous: PGlite initialises its database on first start, and the machine is shared. */
const STARTUP_DEADLINE_MS = 120_000;
const SHUTDOWN_GRACE_MS = 10_000;
/** Kept for the error message when the server fails to start or dies. */
const LOG_LINES_KEPT = 200;

export interface RunningServer {
  /** Origin the server (API and web app) listens on, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The server's recent output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Builds apps/web/out if its sources changed (a no-op most of the time). */
export async function prepareWebBuild(): Promise<void> {
  await ensureWebBuild();
}

/**
 * Starts the real server (`node --import tsx apps/server/src/main.ts`) on a free port with a fresh
 * DATA_DIR, and resolves once GET /healthz answers 200.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-web-test-"));
  const lines: string[] = [];

  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, PUBLIC_URL: url, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const server: RunningServer = {
    url,
    logs: () => lines.join("\n"),
    async stop() {
      await stopProcess(child, exited);
      await rm(dataDir, { recursive: true, force: true });
    },
  };

  try {
    await waitForHealth(url, child);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${server.logs()}`);
  }
  return server;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited during startup (${child.signalCode ?? `exit code ${child.exitCode}`})`);
    }
    const healthy = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server did not answer GET /healthz with 200 within ${STARTUP_DEADLINE_MS / 1000}s`);
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** A port the OS just handed out; the tiny race until the server binds it is acceptable in tests. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
