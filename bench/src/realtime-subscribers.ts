// The fan-out bench's subscribers, forked into their own process so reading and parsing 1,000
// sockets does not run on the server's event loop (a browser never does). Lean on purpose: one
// `ws` socket and, for STOMP, the server's own codec per connection; no @stomp/stompjs.

import { createStompParser, encodeFrame } from "@rapidphoto/server/testing/bench";
import { WebSocket } from "ws";
import type { SubscriberCommand, SubscriberReport, SubscriberSet } from "./realtime-ipc.js";
import { wallNow } from "./realtime-ipc.js";

/** Sockets opened at once: enough to be quick, few enough not to flood the server's accept queue. */
const OPEN_CONCURRENCY = 50;

type Subscriber = { ws: WebSocket; next: number };
type SetState = {
  subscribers: Subscriber[];
  firstSeq: number;
  lastSeq: number;
  finished: number;
  deliveries: number;
  armed: boolean;
  cpuAtArm: NodeJS.CpuUsage;
};

const sets = new Map<SubscriberSet, SetState>();

function report(message: SubscriberReport): void {
  process.send?.(message);
}

function fail(message: string): void {
  report({ type: "failed", message });
}

/** One frame arrived on one connection: one event, or a batch of them (the broker's, push-batcher.ts). */
function received(state: SetState, set: SubscriberSet, subscriber: Subscriber, body: string): void {
  const parsed = JSON.parse(body) as { seq: number } | { type: "batch"; events: { seq: number }[] };
  for (const event of "events" in parsed ? parsed.events : [parsed]) receivedOne(state, set, subscriber, event.seq);
}

/** One event: check it is the next one expected, count it. */
function receivedOne(state: SetState, set: SubscriberSet, subscriber: Subscriber, seq: number): void {
  if (!state.armed) return;
  if (seq !== subscriber.next) {
    fail(`${set}: expected seq ${subscriber.next}, got ${seq}`);
    return;
  }
  subscriber.next += 1;
  state.deliveries += 1;
  if (seq === state.lastSeq) {
    state.finished += 1;
    if (state.finished === state.subscribers.length) {
      state.armed = false;
      const at = wallNow();
      const cpu = process.cpuUsage(state.cpuAtArm);
      report({ type: "done", set, at, deliveries: state.deliveries, cpuMicros: cpu.user + cpu.system });
    }
  }
}

function openOne(set: SubscriberSet, state: SetState, command: Extract<SubscriberCommand, { type: "open" }>) {
  return new Promise<Subscriber>((resolve, reject) => {
    const { stomp } = command;
    const ws = new WebSocket(command.url, stomp ? ["v12.stomp"] : []);
    const subscriber: Subscriber = { ws, next: 0 };
    let ready = false;
    ws.once("error", reject);
    ws.once("close", () => {
      if (ready) fail(`${set}: a connection closed during the run`);
      else reject(new Error(`${set}: closed before it was ready`));
    });
    if (!stomp) {
      ws.on("message", (data) => received(state, set, subscriber, data.toString()));
      ws.once("open", () => {
        ready = true;
        resolve(subscriber);
      });
      return;
    }
    const parser = createStompParser({
      limits: { maxFrameBytes: 1024 * 1024 },
      onFrame: (frame) => {
        if (frame.command === "MESSAGE") received(state, set, subscriber, frame.body.toString("utf8"));
        else if (frame.command === "RECEIPT") {
          ready = true;
          resolve(subscriber);
        } else if (frame.command === "ERROR") reject(new Error(`ERROR ${frame.headers.message}`));
      },
      onError: (error) => reject(error),
    });
    ws.on("message", (data: Buffer) => parser.push(data));
    ws.once("open", () => {
      // Pipelined: the server handles one session's frames in order, so the RECEIPT means subscribed.
      const connect = encodeFrame(
        {
          command: "CONNECT",
          headers: { "accept-version": "1.2", "heart-beat": "0,0", Authorization: `Bearer ${stomp.token}` },
        },
        "1.2",
      );
      const subscribe = encodeFrame(
        { command: "SUBSCRIBE", headers: { id: "job", destination: stomp.destination, receipt: "subscribed" } },
        "1.2",
      );
      ws.send(connect + subscribe);
    });
  });
}

async function open(command: Extract<SubscriberCommand, { type: "open" }>): Promise<void> {
  const state: SetState = {
    subscribers: [],
    firstSeq: 0,
    lastSeq: -1,
    finished: 0,
    deliveries: 0,
    armed: false,
    cpuAtArm: process.cpuUsage(),
  };
  sets.set(command.set, state);
  for (let i = 0; i < command.count; i += OPEN_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(OPEN_CONCURRENCY, command.count - i) }, () =>
      openOne(command.set, state, command),
    );
    state.subscribers.push(...(await Promise.all(batch)));
  }
  report({ type: "opened", set: command.set });
}

function arm(command: Extract<SubscriberCommand, { type: "arm" }>): void {
  const state = sets.get(command.set);
  if (!state) {
    fail(`${command.set}: not open`);
    return;
  }
  state.firstSeq = command.firstSeq;
  state.lastSeq = command.firstSeq + command.messages - 1;
  state.finished = 0;
  state.deliveries = 0;
  for (const subscriber of state.subscribers) subscriber.next = command.firstSeq;
  state.armed = true;
  state.cpuAtArm = process.cpuUsage();
  report({ type: "armed", set: command.set });
}

async function closeAll(): Promise<void> {
  const sockets = [...sets.values()].flatMap((state) => state.subscribers.map((s) => s.ws));
  sets.clear();
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.removeAllListeners("close");
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.close();
        }),
    ),
  );
}

process.on("message", (command: SubscriberCommand) => {
  switch (command.type) {
    case "open":
      open(command).catch((error: Error) => fail(`${command.set}: ${error.message}`));
      break;
    case "arm":
      arm(command);
      break;
    case "close":
      void closeAll().then(() => process.disconnect());
      break;
  }
});
