import { PushBody, type PushMessage, pushEvents, type SeqFrom, STOMP_AUTH_ERRORS } from "@rapidphoto/protocol";
import { Client, type IStompSocket, ReconnectionTimeMode, type StompSubscription } from "@stomp/stompjs";
import { withFastMessages } from "./fast-message-socket";

/**
 * The realtime connection (DESIGN §6): STOMP 1.2 over SockJS to `/ws`, authenticated with the
 * bearer token in CONNECT. It reconnects on its own with exponential backoff and re-subscribes
 * every destination still wanted, so callers subscribe once and keep their subscription across
 * drops. Bodies are validated with the protocol's `PushBody` schema (one push message, or a batch
 * of them); anything else is dropped.
 */

/** DESIGN §6: "resubscribes on reconnect with exponential backoff from ~250 ms". */
export const RECONNECT_BASE_MS = 250;
/** Doubling stops here, so a server that comes back is found again within 5 s (plan: performance targets). */
export const RECONNECT_MAX_MS = 5_000;
/** Same as the server's default (stomp-broker.ts); a silent link is noticed within a couple of beats. */
export const HEARTBEAT_MS = 10_000;
/** A socket that has not finished CONNECT by then is dropped and tried again. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** `connecting` until the first CONNECTED, `reconnecting` after a drop, `closed` once closed on purpose. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "closed";

export interface PushHandler {
  /**
   * The push messages of one MESSAGE frame, in order: one, or a batch the server held for a moment
   * (README, "Realtime batches"). A handler applies them together, in one store or cache write.
   * `seqFrom`: the jobs whose earlier job messages the batch left out, and where it starts for each
   * (PushBatch): their `seq` gap is checked once, against that.
   */
  onMessages(messages: readonly PushMessage[], seqFrom?: SeqFrom): void;
  /**
   * The server has confirmed the subscription (RECEIPT): from now on nothing is missed, so this is
   * when to fetch the current state. Called again after every reconnect.
   */
  onSubscribed?(): void;
}

export interface RealtimeClient {
  readonly state: ConnectionState;
  /**
   * Subscribes now or as soon as connected, and again after every reconnect. Returns the
   * unsubscribe. `headers` go on the SUBSCRIBE (the first subscriber's, while one is subscribed).
   */
  subscribe(destination: string, handler: PushHandler, headers?: Record<string, string>): () => void;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** Messages dropped because they were not valid push messages (for tests and diagnostics). */
  readonly droppedCount: number;
  close(): Promise<void>;
}

/** Why the page thinks the network may be back: the browser went `online`, or the page became visible. */
export type WakeReason = "online" | "visible";

export type RealtimeClientOptions = {
  /** `${API_URL}/ws`; relative URLs are resolved against the page. */
  url: string;
  /** Read before every (re)connect, so a new token is used without rebuilding the client. */
  getToken(): string | null;
  /** Tests and other hosts; defaults to SockJS (all its transports). */
  createSocket?: () => IStompSocket;
  /**
   * The server refused the token (expired, signed out everywhere, account gone). The client keeps
   * reconnecting with whatever getToken returns; this is the host's cue to check the session and
   * send the person to sign in if it is over.
   */
  onAuthRejected?: () => void;
  debug?: (line: string) => void;
  /**
   * Calls the listener when the network may be back; returns the unsubscribe. Defaults to the
   * browser's `online` event and `visibilitychange` to visible. Tests pass their own.
   */
  onWake?: (listener: (reason: WakeReason) => void) => () => void;
  /** Backoff between attempts (tests stretch it, to show that a wake does not wait for it). */
  reconnectDelayMs?: { base: number; max: number };
};

type Entry = {
  destination: string;
  headers: Record<string, string>;
  handlers: Set<PushHandler>;
  subscription: StompSubscription | null;
  /** The server confirmed the current subscription. */
  confirmed: boolean;
};

type SockJSConstructor = new (url: string) => WebSocket;

export function createRealtimeClient(options: RealtimeClientOptions): RealtimeClient {
  const entries = new Map<string, Entry>();
  const listeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = "connecting";
  let connectedOnce = false;
  let dropped = 0;
  let receipts = 0;
  let SockJS: SockJSConstructor | null = null;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...listeners]) listener(next);
  };

  const client = new Client({
    reconnectDelay: options.reconnectDelayMs?.base ?? RECONNECT_BASE_MS,
    reconnectTimeMode: ReconnectionTimeMode.EXPONENTIAL,
    maxReconnectDelay: options.reconnectDelayMs?.max ?? RECONNECT_MAX_MS,
    heartbeatIncoming: HEARTBEAT_MS,
    heartbeatOutgoing: HEARTBEAT_MS,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    debug: options.debug ?? (() => {}),
    // SockJS touches `window` when loaded, so it is loaded in the browser, on first connect.
    async beforeConnect(self) {
      if (!options.createSocket && !SockJS) SockJS = (await import("sockjs-client")).default as SockJSConstructor;
      const token = options.getToken();
      self.connectHeaders = token ? { Authorization: `Bearer ${token}` } : {};
    },
    webSocketFactory: () =>
      withFastMessages(
        options.createSocket?.() ?? (new (SockJS as SockJSConstructor)(options.url) as IStompSocket),
        deliverFast,
      ),
    onConnect() {
      connectedOnce = true;
      setState("connected");
      for (const entry of entries.values()) attach(entry);
    },
    onWebSocketClose() {
      for (const entry of entries.values()) {
        entry.subscription = null;
        entry.confirmed = false;
      }
      if (state !== "closed") setState(connectedOnce ? "reconnecting" : "connecting");
    },
    // A bad token or a refused destination: the server closes after ERROR and we reconnect.
    onStompError(frame) {
      options.debug?.(`STOMP ERROR: ${frame.headers.message ?? ""} ${frame.body}`);
      if (isAuthRejection(frame.headers.message)) options.onAuthRejected?.();
    },
  });

  function attach(entry: Entry): void {
    const receipt = `sub-${++receipts}`;
    const subscription = client.subscribe(entry.destination, (frame) => dispatch(entry, frame.body), {
      ...entry.headers,
      receipt,
    });
    entry.subscription = subscription;
    entry.confirmed = false;
    client.watchForReceipt(receipt, () => {
      if (entry.subscription !== subscription) return; // replaced by a reconnect meanwhile
      entry.confirmed = true;
      for (const handler of [...entry.handlers]) handler.onSubscribed?.();
    });
  }

  /**
   * A MESSAGE body taken by the fast path (fast-message-socket.ts), for a subscription still live.
   * The entry is found by its own live subscription (the MESSAGE frame's `subscription` header is
   * the id stompjs gave it): a scan over the few destinations a page follows, so there is no second
   * index to keep in step with attach, reconnect and unsubscribe.
   */
  function deliverFast(subscriptionId: string, body: string): boolean {
    for (const entry of entries.values()) {
      if (entry.subscription?.id !== subscriptionId) continue;
      dispatch(entry, body);
      return true;
    }
    return false;
  }

  function dispatch(entry: Entry, body: string): void {
    const frame = parsePush(body);
    if (!frame) {
      dropped++;
      options.debug?.(`dropped an invalid push on ${entry.destination}`);
      return;
    }
    for (const handler of [...entry.handlers]) handler.onMessages(frame.events, frame.seqFrom);
  }

  client.activate();

  /**
   * When the network comes back, a socket that is waiting out its backoff (up to 5 s) or hanging in
   * a connect attempt started during the outage (up to the 10 s connect timeout) would keep the
   * page without pushes for seconds: start a fresh attempt at once. `online` also replaces a socket
   * that still looks connected, since the outage most likely killed it without a close; becoming
   * visible only revives a connection that is down.
   */
  let reviving = false;
  const isClosed = () => state === "closed";
  const revive = async (reason: WakeReason) => {
    if (reviving || state === "closed" || (state === "connected" && reason !== "online")) return;
    reviving = true;
    try {
      options.debug?.(`reconnecting at once (${reason})`);
      await client.deactivate({ force: true });
      // close() may have run while the old socket was discarded.
      if (!isClosed()) client.activate();
    } finally {
      reviving = false;
    }
  };
  const stopWake = (options.onWake ?? browserWake)((reason) => void revive(reason));

  return {
    get state() {
      return state;
    },
    get droppedCount() {
      return dropped;
    },
    subscribe(destination, handler, headers = {}) {
      let entry = entries.get(destination);
      if (!entry) {
        entry = { destination, headers, handlers: new Set(), subscription: null, confirmed: false };
        entries.set(destination, entry);
        if (client.connected) attach(entry);
      } else if (entry.confirmed) {
        // Already live: this handler still needs its "now fetch" signal.
        queueMicrotask(() => entry?.handlers.has(handler) && handler.onSubscribed?.());
      }
      entry.handlers.add(handler);
      const own = entry;
      return () => {
        own.handlers.delete(handler);
        if (own.handlers.size > 0 || entries.get(destination) !== own) return;
        entries.delete(destination);
        if (own.subscription && client.connected) own.subscription.unsubscribe();
        own.subscription = null;
      };
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      stopWake();
      setState("closed");
      entries.clear();
      listeners.clear();
      await client.deactivate();
    },
  };
}

const AUTH_REJECTIONS = new Set<string>(Object.values(STOMP_AUTH_ERRORS));

/** Whether an ERROR frame's `message` says the token no longer signs the person in. */
export function isAuthRejection(message: string | undefined): boolean {
  return message !== undefined && AUTH_REJECTIONS.has(message);
}

/** The browser's signs that the network may be back (nothing outside a browser). */
function browserWake(listener: (reason: WakeReason) => void): () => void {
  if (typeof window === "undefined" || typeof document === "undefined") return () => {};
  const online = () => listener("online");
  const visible = () => {
    if (document.visibilityState === "visible") listener("visible");
  };
  window.addEventListener("online", online);
  document.addEventListener("visibilitychange", visible);
  return () => {
    window.removeEventListener("online", online);
    document.removeEventListener("visibilitychange", visible);
  };
}

/** What one MESSAGE body says: its push messages in order, and where a batch starts per shortened job. */
export type PushFrame = { events: PushMessage[]; seqFrom?: SeqFrom };

/**
 * The push messages of a MESSAGE body (one, or a batch's in order), or null for anything that is
 * not valid JSON of a known message family: a batch with one invalid event is dropped whole, and
 * the `seq` of the next push shows the gap.
 */
export function parsePush(body: string): PushFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const parsed = PushBody.safeParse(value);
  if (!parsed.success) return null;
  const { data } = parsed;
  return data.type === "batch" && data.seqFrom
    ? { events: data.events, seqFrom: data.seqFrom }
    : { events: pushEvents(data) };
}
