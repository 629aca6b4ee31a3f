import type { EventEmitter } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import sockjs from "sockjs";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../events/event-bus.js";
import type { StompConnection } from "./stomp-connection.js";

export type StompTransportOptions = {
  /** URL prefix of the endpoint: SockJS at `<prefix>/…`, raw WebSocket at `<prefix>/websocket`. */
  prefix: string;
  logger: Logger;
  /** Largest WebSocket message or SockJS request body accepted; bigger ones are refused before buffering. */
  maxMessageBytes: number;
  onConnection(connection: StompConnection): void;
};

export interface StompTransports {
  /**
   * Refuses new connections, waits a moment for the sockets of connections the broker has already
   * closed to go away, and cuts the ones still there.
   */
  close(): Promise<void>;
}

/**
 * A live peer answers a close within a round trip. One that does not would hold the HTTP server
 * open (ws waits 30 s for a close frame, sockjs' faye-websocket forever), so shutdown cuts it.
 */
const SHUTDOWN_GRACE_MS = 1_000;

/** STOMP subprotocols as offered by @stomp/stompjs, best first. */
const STOMP_SUBPROTOCOLS = ["v12.stomp", "v11.stomp", "v10.stomp"];

/**
 * Puts both transports on the app's own HTTP server. SockJS (all its transports) takes over
 * requests under the prefix before Fastify sees them; it also answers upgrades, including its own
 * raw-WebSocket endpoint at `<prefix>/websocket` — so that exact path is taken out first and given
 * to `ws`, which lets us bound message size and drop a stuck peer at once.
 */
export function attachStompTransports(server: Server, options: StompTransportOptions): StompTransports {
  const { prefix, logger, maxMessageBytes, onConnection } = options;
  let closing = false;
  // Every socket that carried a request or upgrade under the prefix, until it closes.
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    if (sockets.has(socket)) return;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const underPrefix = (path: string) => path === prefix || path.startsWith(`${prefix}/`);
  const isRawWebSocket = (path: string) => path === `${prefix}/websocket` || path === `${prefix}/websocket/`;

  const sockjsServer = sockjs.createServer({
    prefix,
    log: (severity, line) => {
      // "info" is one access-log line per request: debug, like the rest of the transport's chatter.
      if (severity === "error") logger.error({ transport: "sockjs" }, line);
      else logger.debug({ transport: "sockjs" }, line);
    },
    // Read by sockjs' websocket transport (faye-websocket); not in @types/sockjs.
    ...({ faye_server_options: { maxLength: maxMessageBytes } } as object),
  });
  sockjsServer.on("connection", (conn: sockjs.Connection | null) => {
    // sockjs emits null when a client vanished before the session opened.
    if (!conn) return;
    if (closing) conn.close();
    else onConnection(sockjsConnection(conn));
  });

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: maxMessageBytes,
    handleProtocols: (offered) => STOMP_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  const upgradeListenersBefore = server.listenerCount("upgrade");
  // sockjs' own installHandlers would put its listener in front of the server's; ours goes in front
  // of both, so the raw-WebSocket path and body limits are decided before sockjs sees a request.
  const sockjsListener = (sockjsServer as unknown as SockjsServerInternals).listener({ prefix });
  answerBadPayloadsWith400(sockjsListener.app);
  const sockjsHandler = sockjsListener.getHandler();
  type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
  type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  const fallbackRequest = server.listeners("request") as RequestListener[];
  const fallbackUpgrade = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("request");
  server.removeAllListeners("upgrade");
  const sockjsRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (sockjsHandler(req, res) === true) return;
    for (const listener of fallbackRequest) listener.call(server, req, res);
  };
  const sockjsUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (sockjsHandler(req, socket, head) === true) return;
    for (const listener of fallbackUpgrade) listener.call(server, req, socket, head);
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req);
    if (underPrefix(path)) {
      track(req.socket);
      if (req.method === "POST" && !limitBody(req, res, maxMessageBytes)) return;
    }
    sockjsRequest(req, res);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req);
    if (underPrefix(path)) track(socket);
    if (isRawWebSocket(path)) {
      if (closing) return refuseUpgrade(socket, 503, "Service Unavailable");
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on("error", (err) => logger.debug({ err, transport: "websocket" }, "websocket error"));
        if (closing) ws.close(1001);
        else onConnection(webSocketConnection(ws, req));
      });
      return;
    }
    if (!underPrefix(path) && upgradeListenersBefore === 0 && server.listenerCount("upgrade") === 1) {
      // Nobody else on this server speaks WebSocket: answer instead of leaving the socket hanging.
      return refuseUpgrade(socket, 404, "Not Found");
    }
    sockjsUpgrade(req, socket, head);
  });

  return {
    async close() {
      closing = true;
      const gone = [...sockets].map((socket) => new Promise((resolve) => socket.once("close", resolve)));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(gone),
        new Promise((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      wss.close();
    },
  };
}

function sockjsConnection(conn: sockjs.Connection): StompConnection {
  return {
    description: `sockjs/${conn.protocol} ${conn.remoteAddress}:${conn.remotePort}`,
    write: (data) => {
      conn.write(data);
    },
    close: () => {
      conn.close();
    },
    // A SockJS session has no harder stop: closing it releases its receiver at once.
    destroy: () => {
      conn.close();
    },
    onData: (listener) => {
      conn.on("data", listener);
    },
    // Bodies over the limit are refused by HTTP status (xhr_send) or by faye-websocket itself.
    onOversized: () => {},
    onClose: (listener) => {
      conn.once("close", listener);
    },
    // sockjs keeps its queue private; polling transports are bounded by its response_limit instead.
    bufferedBytes: () => 0,
  };
}

function webSocketConnection(ws: WebSocket, req: IncomingMessage): StompConnection {
  let oversized: (() => void) | null = null;
  onMessageTooLarge(ws, () => oversized?.());
  return {
    description: `websocket ${req.socket.remoteAddress}:${req.socket.remotePort}`,
    write: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: () => ws.close(1000),
    destroy: () => ws.terminate(),
    onData: (listener) => {
      ws.on("message", (data: RawData) => listener(toBuffer(data)));
    },
    onOversized: (listener) => {
      oversized = listener;
    },
    onClose: (listener) => {
      ws.once("close", () => listener());
    },
    bufferedBytes: () => ws.bufferedAmount,
  };
}

/**
 * ws refuses a message over `maxPayload` as soon as its length is known (nothing is buffered), but
 * it closes with 1009 before telling anyone, so no STOMP ERROR could go out first. Its receiver
 * reports the error before ws acts on it: listening there, ahead of ws, lets the session answer in
 * STOMP and close, exactly as for an oversized frame that fit in one message.
 */
function onMessageTooLarge(ws: WebSocket, listener: () => void): void {
  const receiver = (ws as unknown as { _receiver?: EventEmitter })._receiver;
  receiver?.prependListener("error", (error: { code?: string }) => {
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") listener();
  });
}

/** The parts of sockjs' server that its typings leave out. */
type SockjsServerInternals = {
  listener(options: { prefix: string }): {
    app: SockjsApp;
    getHandler(): (req: IncomingMessage, resOrSocket: ServerResponse | Duplex, head?: Buffer) => boolean;
  };
};
type SockjsApp = Record<string, unknown> & {
  handle_error(req: IncomingMessage, res: ServerResponse, error: unknown): unknown;
};

/** What sockjs throws for a send body that is not a JSON array of strings: the client's fault. */
const BAD_PAYLOAD_MESSAGES = new Set(["Broken JSON encoding.", "Payload expected."]);

/**
 * sockjs answers a malformed xhr_send/jsonp_send body with 500 (its handlers throw `{status: 500}`).
 * It looks for a `handle_<status>` method on its app before its generic handler: this one turns
 * those into 400 and leaves every other 500 as it was.
 */
function answerBadPayloadsWith400(app: SockjsApp): void {
  app.handle_500 = (req: IncomingMessage, res: ServerResponse, error: { message?: string }) => {
    if (!BAD_PAYLOAD_MESSAGES.has(error.message ?? "")) return app.handle_error(req, res, error);
    if (res.writableEnded) return true;
    res.writeHead(400, { "content-type": "text/plain; charset=UTF-8" });
    res.end(error.message);
    return true;
  };
}

/** Refuses a body over `max` bytes (sockjs would buffer any size). False when the request was answered. */
function limitBody(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) {
    res.writeHead(413, { "content-type": "text/plain; charset=UTF-8", connection: "close" });
    res.end("Payload too large\n");
    req.resume();
    return false;
  }
  // Chunked bodies declare nothing: count as they arrive.
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > max) req.socket.destroy();
  });
  return true;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
