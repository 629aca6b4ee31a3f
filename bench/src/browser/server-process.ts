import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { startServerProcess } from "@rapidphoto/server/testing";
import type { ChildMessage, ParentMessage, ServerSeen } from "./server-ipc.js";

export type BenchUser = { token: string; userId: string; email: string; expiresIn: number };

/** One armed run: resolves when the server has stored, then finished, every photo. */
export type ServerWatch = {
  /** Epoch ms of the run's first storage PUT. */
  firstPut: Promise<number>;
  stored: Promise<ServerSeen>;
  finished: Promise<ServerSeen>;
  disarm(): void;
};

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
  const server = await startServerProcess({
    entry: path.join(import.meta.dirname, "bench-server.ts"),
    ipc: true,
    runUnder: cpus ? ["taskset", "-c", cpus] : [],
    env: { LOG_LEVEL: "warn", LOG_FORMAT: "json", AUTH_RATE_LIMIT: "10000" },
  });
  const { child } = server;
  return {
    url: server.url,
    pid: child.pid as number,
    logs: server.logs,
    close: server.stop,
    register: () => server.register(undefined, "benchmark password"),
    async arm(userId, count) {
      const armed = waitFor(child, "armed", 10_000);
      child.send({ type: "arm", userId, count } satisfies ParentMessage);
      await armed;
      const firstPut = waitFor(child, "firstPut");
      const stored = waitFor(child, "stored");
      const finished = waitFor(child, "finished");
      // A run that times out leaves these pending; nothing else waits on them.
      firstPut.catch(() => {});
      stored.catch(() => {});
      finished.catch(() => {});
      return {
        firstPut: firstPut.then((m) => m.at),
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
