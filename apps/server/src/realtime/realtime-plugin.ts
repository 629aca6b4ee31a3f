import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { EventBus, Logger } from "../events/event-bus.js";
import { createMemoryEventBus } from "../events/memory-event-bus.js";
import type { Clock } from "./clock.js";
import { createProgressCoalescer } from "./progress-coalescer.js";
import type { Authenticate, AuthorizeJob } from "./session-config.js";
import { createStompBroker } from "./stomp-broker.js";
import { DEFAULT_STOMP_LIMITS, type StompLimits } from "./stomp-frame.js";
import { attachStompTransports } from "./stomp-transports.js";

export type RealtimeOptions = {
  bus: EventBus;
  /** Verifies a JWT; null for a bad or expired one. Throwing means "auth is down", not "bad token". */
  authenticate: Authenticate;
  /** True when `userId` owns `jobId`; false for someone else's job and for no such job alike. */
  authorizeJob: AuthorizeJob;
  /** Server heart-beat both ways, ms; default 10 s, 0 disables. */
  heartbeatMs?: number;
  /** Defaults to the app logger. */
  logger?: Logger;
  /** Default "/ws" (DESIGN §6). */
  prefix?: string;
  limits?: Partial<StompLimits>;
  maxSubscriptions?: number;
  maxBufferedBytes?: number;
  /** How long a socket may stay open without completing CONNECT; default 10 s. */
  connectTimeoutMs?: number;
  /** How often each connection's token is checked again; default 60 s. */
  revalidateMs?: number;
  /** Tests pass a manual clock to reach token expiry without waiting (it also paces push batches). */
  clock?: Clock;
  /** How long a destination's pushes are held to go out as one frame; default PUSH_BATCH_MS. */
  batchMs?: number;
};

export type RealtimeService = {
  connectionCount(): number;
  disconnectUser(userId: string): number;
};

declare module "fastify" {
  interface FastifyInstance {
    realtime: RealtimeService;
  }
}

/**
 * Realtime push (DESIGN §6): STOMP over SockJS at `/ws` and raw WebSocket at `/ws/websocket`, fed
 * by the event bus. Open connections are closed in `preClose`: until they are, the HTTP server
 * cannot finish closing. The bus belongs to the caller, who closes it after the app.
 */
const realtime: FastifyPluginAsync<RealtimeOptions> = async (app, options) => {
  const logger = options.logger ?? app.log;
  const limits = { ...DEFAULT_STOMP_LIMITS, ...options.limits };
  // Progress is coalesced here, per instance, on the way from the shared bus to this instance's
  // sockets: at most ~4 progress pushes per second per job whichever instance reported the bytes,
  // and a job's pending progress always goes out before its next status change.
  const local = createMemoryEventBus({ logger });
  const coalescer = createProgressCoalescer({ bus: local, logger });
  const stopListening = options.bus.subscribe((event) => {
    if (event.kind === "sessions-revoked") {
      // Not progress: straight to the broker, which closes that user's sockets.
      local.publish(event).catch((err: unknown) => logger.warn({ err }, "realtime: revocation not applied"));
      return;
    }
    coalescer.publish(event).catch((err: unknown) => logger.warn({ err }, "realtime: push failed"));
  });
  const broker = createStompBroker({
    bus: local,
    authenticate: options.authenticate,
    authorizeJob: options.authorizeJob,
    logger,
    heartbeatMs: options.heartbeatMs,
    limits,
    maxSubscriptions: options.maxSubscriptions,
    maxBufferedBytes: options.maxBufferedBytes,
    connectTimeoutMs: options.connectTimeoutMs,
    revalidateMs: options.revalidateMs,
    clock: options.clock,
    batchMs: options.batchMs,
  });
  const transports = attachStompTransports(app.server, {
    prefix: options.prefix ?? "/ws",
    logger,
    // One message normally holds one frame; room for SockJS' JSON escaping and a few batched frames.
    maxMessageBytes: limits.maxFrameBytes * 4,
    onConnection: (connection) => broker.accept(connection),
  });

  app.decorate("realtime", {
    connectionCount: () => broker.connectionCount(),
    disconnectUser: (userId: string) => broker.disconnectUser(userId),
  } satisfies RealtimeService);

  app.addHook("preClose", async () => {
    stopListening();
    await coalescer.close();
    broker.close();
    await transports.close();
    await local.close();
  });
};

export const realtimePlugin = fp(realtime, { name: "realtime", fastify: "5.x" });
