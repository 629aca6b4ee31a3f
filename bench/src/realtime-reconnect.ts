import { jobTopic } from "@rapidphoto/protocol";
import { Client, type IStompSocket, ReconnectionTimeMode } from "@stomp/stompjs";
import type { FastifyInstance } from "fastify";
import SockJS from "sockjs-client";
import { WebSocket } from "ws";

/**
 * The client's first reconnect delay: DESIGN §6 asks for exponential backoff from ~250 ms, and a
 * successful CONNECT resets it, so after a single drop this is the wait every reconnect pays.
 */
export const RECONNECT_DELAY_MS = 250;
/** Where the doubling stops; never reached here (each drop is followed by one successful reconnect). */
const MAX_RECONNECT_DELAY_MS = 30_000;
/** Far above anything expected; a reconnect that takes this long is a failure, not a data point. */
const RECONNECT_TIMEOUT_MS = 15_000;

/** "sockjs" lets SockJS choose (it picks its websocket transport); xhr-streaming is its fallback through proxies. */
export type ReconnectTransport = "websocket" | "sockjs" | "sockjs-xhr-streaming";

/** Milliseconds after the server dropped the socket, one entry per drop. */
export type ReconnectSample = {
  /** The client saw its socket close. */
  closeSeenMs: number;
  /** The client opened its new socket (close + the reconnect delay + timer slack). */
  reopenedMs: number;
  /** The server acknowledged the new SUBSCRIBE (its RECEIPT arrived): events flow again. */
  resubscribedMs: number;
};

export type ReconnectResult = { samples: ReconnectSample[]; sockjsTransport?: string };

export type ReconnectOptions = {
  app: FastifyInstance;
  origin: string;
  token: string;
  userId: string;
  jobId: string;
  transport: ReconnectTransport;
  drops: number;
  warmupDrops: number;
};

/**
 * A @stomp/stompjs client configured as the web app's (resubscribe in onConnect, exponential
 * backoff) is dropped server-side `drops` times with `app.realtime.disconnectUser`. After each
 * reconnect a probe event proves the new subscription really delivers.
 */
export async function measureReconnects(options: ReconnectOptions): Promise<ReconnectResult> {
  const { app, origin, transport } = options;
  const topic = jobTopic(options.jobId);
  // SockJS names the transport it settled on once open.
  const last: { socket?: { transport?: string | null } } = {};
  let reopenedAt = 0;
  let closedAt = 0;
  let receipts = 0;
  let onResubscribed: ((at: number) => void) | null = null;
  let onProbe: ((seq: number) => void) | null = null;
  let failure: Error | null = null;

  const client = new Client({
    webSocketFactory: () => {
      reopenedAt = performance.now();
      const s =
        transport === "websocket"
          ? new WebSocket(`${origin.replace(/^http/, "ws")}/ws/websocket`, ["v12.stomp", "v11.stomp", "v10.stomp"])
          : transport === "sockjs"
            ? new SockJS(`${origin}/ws`)
            : new SockJS(`${origin}/ws`, undefined, { transports: ["xhr-streaming"] });
      last.socket = s as { transport?: string | null };
      return s as unknown as IStompSocket;
    },
    connectHeaders: { Authorization: `Bearer ${options.token}` },
    reconnectDelay: RECONNECT_DELAY_MS,
    reconnectTimeMode: ReconnectionTimeMode.EXPONENTIAL,
    maxReconnectDelay: MAX_RECONNECT_DELAY_MS,
    debug: () => {},
  });
  client.onConnect = () => {
    const receipt = `resubscribe-${++receipts}`;
    client.watchForReceipt(receipt, () => onResubscribed?.(performance.now()));
    client.subscribe(
      topic,
      (message) => {
        // One event, or a batch of them (the broker's, push-batcher.ts).
        const body = JSON.parse(message.body) as { seq: number } | { events: { seq: number }[] };
        for (const event of "events" in body ? body.events : [body]) onProbe?.(event.seq);
      },
      { receipt },
    );
  };
  client.onWebSocketClose = () => {
    closedAt = performance.now();
  };
  client.onStompError = (frame) => {
    failure = new Error(`STOMP ERROR: ${frame.headers.message}`);
  };

  const resubscribed = () =>
    bounded(
      new Promise<number>((resolve) => {
        onResubscribed = resolve;
      }),
      "resubscribe",
    );

  let seq = 0;
  const probe = async () => {
    const sent = ++seq;
    const arrived = bounded(
      new Promise<void>((resolve) => {
        onProbe = (got) => {
          if (got === sent) resolve();
        };
      }),
      "probe",
    );
    await app.events.publish({
      userId: options.userId,
      kind: "status",
      message: {
        type: "photo",
        jobId: options.jobId,
        photoId: "ph_probe0001",
        status: "UPLOADING",
        progressPercent: 0,
        bytesSent: 0,
        bytesTotal: 1,
        seq: sent,
        timestamp: new Date().toISOString(),
      },
    });
    await arrived;
  };

  const samples: ReconnectSample[] = [];
  try {
    const first = resubscribed();
    client.activate();
    await first;
    await probe();
    for (let i = 0; i < options.warmupDrops + options.drops; i++) {
      const next = resubscribed();
      const droppedAt = performance.now();
      const dropped = app.realtime.disconnectUser(options.userId);
      if (dropped !== 1) throw new Error(`disconnectUser closed ${dropped} sessions, expected 1`);
      const at = await next;
      if (failure) throw failure;
      await probe();
      if (i >= options.warmupDrops) {
        samples.push({
          closeSeenMs: closedAt - droppedAt,
          reopenedMs: reopenedAt - droppedAt,
          resubscribedMs: at - droppedAt,
        });
      }
    }
    return { samples, ...(transport === "websocket" ? {} : { sockjsTransport: last.socket?.transport ?? "unknown" }) };
  } finally {
    await client.deactivate();
  }
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: nothing after ${RECONNECT_TIMEOUT_MS} ms`)),
        RECONNECT_TIMEOUT_MS,
      );
    }),
  ]);
}
