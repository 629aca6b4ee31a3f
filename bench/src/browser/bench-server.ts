/**
 * The real server (startTestServer from the environment startServerProcess gave it: embedded PGlite and disk storage, the
 * processing worker on) as a child process of the browser bench, so it can be pinned to its own
 * core. Beside serving, it tells the parent over IPC what the server saw of the armed run: the first
 * storage PUT, the last one answered, and when every photo was stored (PROCESSING) and COMPLETED.
 * It only listens (a `request` listener and a bus subscription); nothing in the server changes.
 */
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { startTestServer } from "@rapidphoto/server/testing";
import type { ChildMessage, ParentMessage, ServerSeen } from "./server-ipc.js";
import { cpuSince, type ThreadCpu, threadCpu } from "./server-threads.js";

const send = (message: ChildMessage) => process.send?.(message);

type Armed = {
  userId: string;
  count: number;
  seen: ServerSeen;
  stored: Set<string>;
  finished: Set<string>;
  storedSent: boolean;
  cpuAtArm: ThreadCpu;
  cpuAtStored?: ThreadCpu;
};

let armed: Armed | null = null;

/** A request's path with ids (`job_…`, `ph_…`) replaced, and its query reduced to its keys. */
function pathKey(method: string | undefined, url: string): string {
  const [pathname = "", query] = url.split("?");
  const keys = query ? `?${[...new URLSearchParams(query).keys()].join("&")}` : "";
  return `${method} ${pathname.replace(/\/[a-z]+_[A-Za-z0-9_-]+/g, "/:id")}${keys}`;
}

// The parent's startServerProcess chose PORT, DATA_DIR and PUBLIC_URL; they override the helper's own.
const server = await startTestServer({ env: process.env });
const { app } = server;

app.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
  if (!armed) return;
  const run = armed;
  if (req.url?.startsWith("/commands/") || req.url?.startsWith("/queries/")) {
    // Issue 10 item 4 asks what the page's API traffic costs; progress reports are counted apart.
    run.seen.apiRequests++;
    const key = pathKey(req.method, req.url);
    run.seen.apiByPath[key] = (run.seen.apiByPath[key] ?? 0) + 1;
    if (req.method === "POST" && req.url === "/commands/upload/progress") run.seen.progressReports++;
    return;
  }
  if (req.method === "GET" && req.url?.startsWith("/storage/")) {
    // Thumbnails and previews the page shows (not API requests, but the server serves them meanwhile).
    run.seen.apiByPath["GET /storage/*"] = (run.seen.apiByPath["GET /storage/*"] ?? 0) + 1;
    return;
  }
  if (req.method !== "PUT" || !req.url?.startsWith("/storage/")) return;
  run.seen.puts++;
  if (run.seen.firstPutAt === undefined) {
    run.seen.firstPutAt = Date.now();
    send({ type: "firstPut", at: run.seen.firstPutAt });
  }
  res.once("finish", () => {
    run.seen.lastPutEndAt = Date.now();
  });
});

app.events.subscribe((event) => {
  const run = armed;
  if (!run || event.userId !== run.userId || event.kind !== "status") return;
  const message = event.message;
  if (message.type !== "photo") return;
  const now = Date.now();
  if (message.status === "PROCESSING" || message.status === "COMPLETED") {
    if (!run.stored.has(message.photoId)) {
      run.stored.add(message.photoId);
      run.seen.lastStoredAt = now;
    }
  }
  if (message.status === "COMPLETED" || message.status === "FAILED" || message.status === "CANCELLED") {
    if (!run.finished.has(message.photoId)) {
      run.finished.add(message.photoId);
      if (message.status === "COMPLETED") run.seen.completed++;
      else run.seen.failed++;
      run.seen.lastFinishedAt = now;
    }
  }
  if (!run.storedSent && run.stored.size >= run.count) {
    run.storedSent = true;
    run.cpuAtStored = threadCpu();
    run.seen.cpuToStored = cpuSince(run.cpuAtArm, run.cpuAtStored);
    run.seen.completedAtStored = run.seen.completed;
    void stopProfile(run.userId);
    send({ type: "stored", seen: { ...run.seen } });
  }
  if (run.finished.size >= run.count) {
    if (run.cpuAtStored) run.seen.cpuAfterStored = cpuSince(run.cpuAtStored);
    send({ type: "finished", seen: { ...run.seen } });
    armed = null;
  }
});

/**
 * BENCH_SERVER_PROFILE=<dir>: a CPU profile of the server from each arming to all stored, written
 * there as <userId>.cpuprofile (to see what a contender's requests and pushes cost the server).
 */
const profileDir = process.env.BENCH_SERVER_PROFILE;
const profiler = profileDir ? new Session() : null;
profiler?.connect();

async function startProfile(): Promise<void> {
  if (!profiler) return;
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
}

async function stopProfile(userId: string): Promise<void> {
  if (!profiler || !profileDir) return;
  const { profile } = await profiler.post("Profiler.stop");
  await writeFile(path.join(profileDir, `${userId}.cpuprofile`), JSON.stringify(profile));
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "arm") {
    void startProfile();
    armed = {
      userId: message.userId,
      count: message.count,
      seen: { puts: 0, completed: 0, failed: 0, apiRequests: 0, progressReports: 0, apiByPath: {} },
      stored: new Set(),
      finished: new Set(),
      storedSent: false,
      cpuAtArm: threadCpu(),
    };
    send({ type: "armed" });
  } else if (message.type === "disarm") {
    armed = null;
  }
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
