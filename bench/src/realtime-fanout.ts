import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { jobTopic, type PhotoMessage } from "@rapidphoto/protocol";
import type { EventBus } from "@rapidphoto/server/testing/bench";
import { WebSocketServer } from "ws";
import type { SubscriberCommand, SubscriberReport, SubscriberSet } from "./realtime-ipc.js";
import { wallNow } from "./realtime-ipc.js";

/** How long one step (opening 1,000 sockets, one burst) may take before the bench gives up. */
const STEP_TIMEOUT_MS = 120_000;

export type FanOutOptions = {
  /** http://127.0.0.1:port of the real app. */
  origin: string;
  bus: EventBus;
  userId: string;
  token: string;
  jobId: string;
  connections: number;
  /** Status events per burst; each burst ends when every connection has all of them. */
  messagesPerBurst: number;
  /** Timed bursts per side, broker and bare alternating which goes first; one untimed burst each before. */
  rounds: number;
};

/** One timed burst of one side. */
export type FanOutBurst = {
  /** From the first publish to the last message arriving at the last subscriber. */
  ms: number;
  /** CPU time (user + system) of the server process over that span: less noisy than `ms` on a shared machine. */
  serverCpuMicros: number;
  /** CPU time of the subscriber process over that span. */
  clientCpuMicros: number;
};
export type FanOutRound = { broker: FanOutBurst; bare: FanOutBurst };

/**
 * The same subscribers, in a child process, receive the same status messages twice per round:
 * through the app (bus → STOMP broker → /ws/websocket) and from a bare `ws` server that only
 * broadcasts the JSON. The difference is what the broker costs per delivery.
 */
export async function measureFanOut(options: FanOutOptions): Promise<FanOutRound[]> {
  const { connections, messagesPerBurst: n } = options;
  const bareServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => bareServer.once("listening", () => resolve()));
  const barePort = (bareServer.address() as { port: number }).port;

  const child = fork(fileURLToPath(new URL("./realtime-subscribers.ts", import.meta.url)), { stdio: "inherit" });
  const subscribers = ipc(child);
  try {
    await subscribers.ask(
      {
        type: "open",
        set: "broker",
        url: `${options.origin.replace(/^http/, "ws")}/ws/websocket`,
        count: connections,
        stomp: { token: options.token, destination: jobTopic(options.jobId) },
      },
      "opened",
    );
    await subscribers.ask(
      { type: "open", set: "bare", url: `ws://127.0.0.1:${barePort}`, count: connections },
      "opened",
    );
    if (bareServer.clients.size !== connections) throw new Error(`bare server has ${bareServer.clients.size} clients`);

    let seq = 0;
    // Photo status messages: every one reaches every subscriber (a batch keeps only a job's last
    // job message, compactPushBody, so a run of job messages would not).
    const message = (): PhotoMessage => ({
      type: "photo",
      jobId: options.jobId,
      photoId: `ph_fanout${String(seq).padStart(8, "0")}`,
      status: "PROCESSING",
      progressPercent: 100,
      bytesSent: 2_097_152,
      bytesTotal: 2_097_152,
      seq: ++seq,
      timestamp: new Date().toISOString(),
    });

    const burst = async (set: SubscriberSet): Promise<FanOutBurst> => {
      const messages = Array.from({ length: n }, message);
      await subscribers.ask({ type: "arm", set, firstSeq: messages[0]!.seq, messages: n }, "armed");
      const done = subscribers.next("done");
      const start = wallNow();
      const cpu = process.cpuUsage();
      if (set === "broker") {
        // Status events are never coalesced, so every one reaches every subscriber.
        for (const m of messages) await options.bus.publish({ userId: options.userId, kind: "status", message: m });
      } else {
        for (const m of messages) {
          const body = JSON.stringify(m); // the broker serialises once per event too
          for (const ws of bareServer.clients) ws.send(body);
        }
      }
      const report = await done;
      const serverCpu = process.cpuUsage(cpu);
      if (report.deliveries !== n * connections) throw new Error(`${set}: ${report.deliveries} deliveries`);
      return {
        ms: report.at - start,
        serverCpuMicros: serverCpu.user + serverCpu.system,
        clientCpuMicros: report.cpuMicros,
      };
    };

    await burst("broker");
    await burst("bare");
    const rounds: FanOutRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      if (r % 2 === 0) {
        const broker = await burst("broker");
        rounds.push({ broker, bare: await burst("bare") });
      } else {
        const bare = await burst("bare");
        rounds.push({ broker: await burst("broker"), bare });
      }
    }
    return rounds;
  } finally {
    await subscribers.close();
    await new Promise<void>((resolve) => bareServer.close(() => resolve()));
  }
}

/** Request/answer over the fork channel; a "failed" report or the child's exit rejects what is pending. */
function ipc(child: ChildProcess) {
  type Waiter = { type: SubscriberReport["type"]; resolve(report: SubscriberReport): void; reject(e: Error): void };
  const waiters: Waiter[] = [];
  let broken: Error | null = null;
  const breakAll = (error: Error) => {
    broken ??= error;
    for (const waiter of waiters.splice(0)) waiter.reject(error);
  };
  child.on("message", (report: SubscriberReport) => {
    if (report.type === "failed") return breakAll(new Error(`subscribers: ${report.message}`));
    const i = waiters.findIndex((w) => w.type === report.type);
    if (i !== -1) waiters.splice(i, 1)[0]!.resolve(report);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code) => breakAll(new Error(`subscriber process exited (${code})`)));

  function next<T extends SubscriberReport["type"]>(type: T): Promise<Extract<SubscriberReport, { type: T }>> {
    if (broken) return Promise.reject(broken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => breakAll(new Error(`subscribers: no "${type}" in time`)), STEP_TIMEOUT_MS);
      waiters.push({
        type,
        resolve: (report) => {
          clearTimeout(timer);
          resolve(report as Extract<SubscriberReport, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  return {
    next,
    ask<T extends SubscriberReport["type"]>(command: SubscriberCommand, answer: T) {
      const reply = next(answer);
      child.send(command);
      return reply;
    },
    async close() {
      if (child.exitCode === null && child.connected) child.send({ type: "close" } satisfies SubscriberCommand);
      const timer = setTimeout(() => child.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
