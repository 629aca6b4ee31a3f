import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../../apps/server/testing/free-ports.js";
import type { ChildMessage, ParentMessage, ServerSeen } from "./server-ipc.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const START_TIMEOUT_MS = 120_000;
const LOG_LINES_KEPT = 100;

export type BenchUser = { token: string; userId: string; email: string; expiresIn: number };

/** One armed run: resolves when the server has stored, then finished, every photo. */
export type ServerWatch = { stored: Promise<ServerSeen>; finished: Promise<ServerSeen>; disarm(): void };

export type BenchServer = {
  url: string;
  pid: number;
  register(): Promise<BenchUser>;
  /** Starts watching one user's next `count` photos (one run at a time). */
  arm(userId: string, count: number): Promise<ServerWatch>;
  logs(): string;
  close(): Promise<void>;
};

/**
 * A fresh server (fresh DATA_DIR and database) in a child process, pinned to `cpus` with taskset
 * when given, so its CPU does not compete with the browser's on a 2-core machine.
 */
export async function startBenchServer(cpus: string | null): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-browser-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = [process.execPath, "--import", "tsx", "bench/src/browser/bench-server.ts"];
  const [command, ...args] = cpus ? ["taskset", "-c", cpus, ...node] : node;
  const child = spawn(command as string, args, {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: url,
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      AUTH_RATE_LIMIT: "10000",
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const logs = () => lines.join("\n");

  const close = async () => {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(child, "ready", START_TIMEOUT_MS);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${logs()}`);
  }

  let users = 0;
  return {
    url,
    pid: child.pid as number,
    logs,
    close,
    async register() {
      const email = `browser-bench-${Date.now()}-${++users}@example.com`;
      const res = await fetch(`${url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "benchmark password" }),
      });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
      return { ...((await res.json()) as Omit<BenchUser, "email">), email };
    },
    async arm(userId, count) {
      const armed = waitFor(child, "armed", 10_000);
      child.send({ type: "arm", userId, count } satisfies ParentMessage);
      await armed;
      const stored = waitFor(child, "stored");
      const finished = waitFor(child, "finished");
      // A run that times out leaves these pending; nothing else waits on them.
      stored.catch(() => {});
      finished.catch(() => {});
      return {
        stored: stored.then((m) => m.seen),
        finished: finished.then((m) => m.seen),
        disarm: () => child.connected && child.send({ type: "disarm" } satisfies ParentMessage),
      };
    },
  };
}

function waitFor<T extends ChildMessage["type"]>(
  child: ChildProcess,
  type: T,
  timeoutMs?: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs
      ? setTimeout(() => done(new Error(`server: no "${type}" within ${timeoutMs} ms`)), timeoutMs)
      : undefined;
    const onMessage = (message: ChildMessage) => {
      if (message.type === type) done(null, message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => done(new Error(`server exited (${code})`));
    const done = (error: Error | null, message?: Extract<ChildMessage, { type: T }>) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(message as Extract<ChildMessage, { type: T }>);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
