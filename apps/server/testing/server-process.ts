import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ServerClient, serverClient } from "./api-client.js";
import { freePort } from "./free-ports.js";

const SERVER_DIR = path.resolve(import.meta.dirname, "..");
/** Generous: PGlite initialises its database on first start, and the machine may be busy. */
const STARTUP_DEADLINE_MS = 120_000;
const SHUTDOWN_GRACE_MS = 10_000;
/** Kept for failure messages when output is "keep". */
const LOG_LINES_KEPT = 200;

export type ServerProcess = ServerClient & {
  port: number;
  dataDir: string;
  /** The child itself (its pid, or to send it a signal of the test's choosing). */
  child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** The server's recent output when output is "keep"; empty otherwise. */
  logs(): string;
  /** SIGTERM (SIGKILL after a grace period), then removes the DATA_DIR. */
  stop(): Promise<void>;
};

export type ServerProcessOptions = {
  /** Extra environment, as a deployment would set it (REDIS_URL, S3_BUCKET, LOG_LEVEL…). */
  env?: Record<string, string | undefined>;
  /** e.g. ["--role=web"]. */
  argv?: string[];
  /** "keep" the last lines for logs() (default), pass them through ("inherit"), or drop them. */
  output?: "keep" | "inherit" | "ignore";
  /**
   * A module to run instead of src/main.ts (absolute path): a wrapper that starts the app itself
   * from the same environment, e.g. to report what the server saw over IPC.
   */
  entry?: string;
  /** Opens an IPC channel to the child (`child.send`, `child.on("message")`). */
  ipc?: boolean;
  /** A command the node process runs under, e.g. ["taskset", "-c", "1"] to pin it to a core. */
  runUnder?: string[];
};

/**
 * The real server as a child process (`node --import tsx src/main.ts`) on a free port with a fresh
 * DATA_DIR, resolved once GET /readyz answers 200. For tests of the process itself (signals, exit
 * codes) and for clients whose CPU or memory must not be shared with the server's.
 */
export async function startServerProcess(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-server-"));
  const output = opts.output ?? "keep";
  // RAPIDPHOTO_SERVER_CPU_PROF=<dir>: the child writes a V8 CPU profile there when it exits (where a
  // benchmark's server time goes; Node refuses --cpu-prof in NODE_OPTIONS).
  const profileDir = process.env.RAPIDPHOTO_SERVER_CPU_PROF;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const node = [process.execPath, ...profile, "--import", "tsx", opts.entry ?? "src/main.ts", ...(opts.argv ?? [])];
  const [command, ...args] = [...(opts.runUnder ?? []), ...node] as [string, ...string[]];
  const stdio = output === "keep" ? (["ignore", "pipe", "pipe"] as const) : ([output, output, output] as const);
  const child = spawn(command, args, {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      AUTH_RATE_LIMIT: "1000",
      ...opts.env,
    },
    stdio: opts.ipc ? [...stdio, "ipc"] : [...stdio],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const server: ServerProcess = {
    ...serverClient(url),
    port,
    dataDir,
    child,
    exited,
    logs: () => lines.join("\n"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await server.stop();
    const logs = server.logs();
    throw new Error(`${(error as Error).message}${logs ? `\n--- server output ---\n${logs}` : ""}`);
  }
  return server;
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited during startup (${child.signalCode ?? `exit code ${child.exitCode}`})`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`server did not answer GET /readyz with 200 within ${STARTUP_DEADLINE_MS / 1000} s`);
}
