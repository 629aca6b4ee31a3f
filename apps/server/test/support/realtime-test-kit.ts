import http from "node:http";
import type { Duplex } from "node:stream";
import { Client, type IFrame, type IMessage, type IStompSocket, type StompConfig } from "@stomp/stompjs";
import Fastify, { type FastifyInstance } from "fastify";
import SockJS from "sockjs-client";
import { vi } from "vitest";
import { WebSocket } from "ws";
import type { EventBus } from "../../src/events/event-bus.js";
import { createMemoryEventBus } from "../../src/events/memory-event-bus.js";
import { type RealtimeOptions, realtimePlugin } from "../../src/realtime/realtime-plugin.js";
import { createStompParser, encodeFrame } from "../../src/realtime/stomp-codec.js";
import type { OutgoingFrame, StompFrame } from "../../src/realtime/stomp-frame.js";

/** Test doubles for the injected checks: fixed tokens and job owners. Auth itself is the app's. */
export const ALICE_JOB = "job_alice0001";
export const ALICE_JOB_2 = "job_alice0002";
export const BOB_JOB = "job_bob000001";
/** authorizeJob throws for this one, to play a database outage. */
export const BROKEN_JOB = "job_broken001";
const USERS: Record<string, string> = { "token-alice": "alice", "token-bob": "bob" };
const OWNERS: Record<string, string> = { [ALICE_JOB]: "alice", [ALICE_JOB_2]: "alice", [BOB_JOB]: "bob" };

export const authenticate = async (token: string) => {
  if (token === "token-auth-down") throw new Error("auth backend down");
  const userId = USERS[token];
  return userId ? { userId } : null;
};
export const authorizeJob = async (userId: string, jobId: string) => {
  if (jobId === BROKEN_JOB) throw new Error("database down");
  return OWNERS[jobId] === userId;
};

export type RealtimeTestApp = {
  app: FastifyInstance;
  bus: EventBus;
  /** http://127.0.0.1:port */
  origin: string;
  close(): Promise<void>;
};

/** A minimal Fastify app with only the realtime plugin, listening on a free loopback port. */
export async function startRealtimeApp(
  options: Partial<RealtimeOptions> = {},
  setup?: (app: FastifyInstance) => void,
): Promise<RealtimeTestApp> {
  const bus = options.bus ?? createMemoryEventBus();
  const app = Fastify({ logger: false });
  await app.register(realtimePlugin, { authenticate, authorizeJob, ...options, bus });
  setup?.(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    app,
    bus,
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      if (!options.bus) await bus.close();
    },
  };
}

export type Transport =
  | "websocket"
  | "sockjs-websocket"
  | "sockjs-xhr-streaming"
  | "sockjs-xhr-polling"
  | "sockjs-eventsource";

/** A @stomp/stompjs client on one transport; no heart-beats or reconnects unless asked for. */
export function stompClient(origin: string, transport: Transport, config: StompConfig = {}): Client {
  const webSocketFactory =
    transport === "websocket"
      ? () =>
          new WebSocket(`${origin.replace(/^http/, "ws")}/ws/websocket`, [
            "v12.stomp",
            "v11.stomp",
            "v10.stomp",
          ]) as unknown as IStompSocket
      : () =>
          new SockJS(`${origin}/ws`, undefined, {
            transports: [transport.slice("sockjs-".length)],
          }) as unknown as IStompSocket;
  return new Client({
    webSocketFactory,
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    debug: () => {},
    ...config,
  });
}

/** Resolves on CONNECTED; rejects with the ERROR frame's message or on close. */
export function connect(client: Client, token = "token-alice"): Promise<IFrame> {
  return new Promise((resolve, reject) => {
    client.connectHeaders = { Authorization: `Bearer ${token}` };
    client.onConnect = resolve;
    client.onStompError = (frame) => reject(new Error(`ERROR ${frame.headers.message}`));
    client.onWebSocketClose = () => reject(new Error("closed before CONNECTED"));
    client.activate();
  });
}

/** The ERROR frame the server answers with, and that the socket closed afterwards. */
export function nextError(client: Client): Promise<{ error: IFrame; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let closed: () => void;
    const closedPromise = new Promise<void>((r) => {
      closed = r;
    });
    client.onWebSocketClose = () => closed();
    client.onStompError = (error) => resolve({ error, closed: closedPromise });
  });
}

let receipts = 0;

/** Subscribes and waits for the server's RECEIPT, so events published afterwards are sure to arrive. */
export async function subscribed(
  client: Client,
  destination: string,
  headers: Record<string, string> = {},
): Promise<IMessage[]> {
  const messages: IMessage[] = [];
  const receipt = `receipt-${++receipts}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  client.subscribe(destination, (message) => messages.push(message), { ...headers, receipt });
  await done;
  return messages;
}

/** Waits generously: the machine is shared; nothing here asserts on timing. */
export function eventually<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: 15_000, interval: 20 });
}

export const json = (message: IMessage) => JSON.parse(message.body) as { type: string; seq: number; jobId: string };

type PushEvent = { type: string; seq: number; jobId: string; [field: string]: unknown };

/** The push events in received frames, in order: a batch body is its events (README, "Realtime batches"). */
export const events = (messages: IMessage[]): PushEvent[] =>
  messages.flatMap((message) => {
    const body = JSON.parse(message.body) as PushEvent | { type: "batch"; events: PushEvent[] };
    return body.type === "batch" ? (body as { events: PushEvent[] }).events : [body as PushEvent];
  });

/**
 * A STOMP client over a raw WebSocket built from our own codec, for what @stomp/stompjs will not
 * do: garbage, wrong order, silence.
 */
export async function rawStomp(origin: string) {
  const ws = new WebSocket(`${origin.replace(/^http/, "ws")}/ws/websocket`, ["v12.stomp"]);
  const frames: StompFrame[] = [];
  const errors: Error[] = [];
  let heartbeats = 0;
  const parser = createStompParser({
    limits: { maxFrameBytes: 16 * 1024 * 1024 },
    onFrame: (frame) => frames.push(frame),
    onHeartbeat: () => {
      heartbeats += 1;
    },
    onError: (error) => errors.push(error),
  });
  ws.on("message", (data: Buffer) => parser.push(data));
  const closed = new Promise<{ code: number }>((resolve) => ws.once("close", (code) => resolve({ code })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    frames,
    /** What the server sent that our parser could not read: always expected to stay empty. */
    errors,
    heartbeats: () => heartbeats,
    closed,
    send(frame: OutgoingFrame | string) {
      ws.send(typeof frame === "string" ? frame : encodeFrame(frame, "1.2"));
    },
    /** Resolves with the first frame received with this command, waiting for it if needed. */
    frame(command: string): Promise<StompFrame> {
      return eventually(() => {
        const found = frames.find((f) => f.command === command);
        if (!found) throw new Error(`no ${command} yet; got ${frames.map((f) => f.command).join(",")}`);
        return found;
      });
    },
  };
}

export const connectFrame = (headers: Record<string, string> = {}): OutgoingFrame => ({
  command: "CONNECT",
  headers: { "accept-version": "1.2", "heart-beat": "0,0", Authorization: "Bearer token-alice", ...headers },
});

/**
 * A WebSocket client (raw, or SockJS' websocket transport) that completes the handshake,
 * subscribes, then stops reading: the server's writes back up in its socket. Built by hand because
 * clients normally always read.
 */
export async function stalledSubscriber(
  origin: string,
  destination: string,
  via: "websocket" | "sockjs-websocket" = "websocket",
): Promise<{ socket: Duplex }> {
  const { port } = new URL(origin);
  const path = via === "websocket" ? "/ws/websocket" : `/ws/000/${Math.random().toString(36).slice(2)}/websocket`;
  // SockJS wraps every message in a JSON array.
  const wrap = (frame: string) => (via === "websocket" ? frame : JSON.stringify([frame]));
  const socket = await new Promise<Duplex>((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": Buffer.from("0123456789abcdef").toString("base64"),
        ...(via === "websocket" ? { "Sec-WebSocket-Protocol": "v12.stomp" } : {}),
      },
    });
    req.on("upgrade", (_res, upgraded) => resolve(upgraded));
    req.on("error", reject);
    req.end();
  });
  let seen = "";
  const receipt = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (seen.includes("RECEIPT")) resolve();
    });
  });
  socket.write(maskedTextFrame(wrap(encodeFrame(connectFrame(), "1.2"))));
  const subscribe = encodeFrame({ command: "SUBSCRIBE", headers: { id: "s", destination, receipt: "r" } }, "1.2");
  socket.write(maskedTextFrame(wrap(subscribe)));
  await receipt;
  socket.pause();
  return { socket };
}

/** A client→server WebSocket text frame. Clients must mask; an all-zero key leaves the payload as is. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81]), length, Buffer.alloc(4), payload]);
}
