/**
 * The real server (startTestServer from the environment startServerProcess gave it: embedded PGlite and disk storage, the
 * processing worker on) as a child process of the browser bench, so it can be pinned to its own
 * core. Beside serving, it tells the parent over IPC what the server saw of the armed run: the first
 * storage PUT, the last one answered, and when every photo was stored (PROCESSING) and COMPLETED.
 * It only listens (a `request` listener and a bus subscription); nothing in the server changes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { startTestServer } from "@rapidphoto/server/testing";
import type { ChildMessage, ParentMessage, ServerSeen } from "./server-ipc.js";

const send = (message: ChildMessage) => process.send?.(message);

type Armed = {
  userId: string;
  count: number;
  seen: ServerSeen;
  stored: Set<string>;
  finished: Set<string>;
  storedSent: boolean;
};
let armed: Armed | null = null;

// The parent's startServerProcess chose PORT, DATA_DIR and PUBLIC_URL; they override the helper's own.
const server = await startTestServer({ env: process.env });
const { app } = server;

app.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
  if (!armed) return;
  const run = armed;
  if (req.url?.startsWith("/commands/") || req.url?.startsWith("/queries/")) {
    // Issue 10 item 4 asks what the page's API traffic costs; progress reports are counted apart.
    run.seen.apiRequests++;
    if (req.method === "POST" && req.url === "/commands/upload/progress") run.seen.progressReports++;
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
    send({ type: "stored", seen: { ...run.seen } });
  }
  if (run.finished.size >= run.count) {
    send({ type: "finished", seen: { ...run.seen } });
    armed = null;
  }
});

process.on("message", (message: ParentMessage) => {
  if (message.type === "arm") {
    armed = {
      userId: message.userId,
      count: message.count,
      seen: { puts: 0, completed: 0, failed: 0, apiRequests: 0, progressReports: 0 },
      stored: new Set(),
      finished: new Set(),
      storedSent: false,
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
