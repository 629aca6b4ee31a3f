import { Redis, type RedisOptions } from "ioredis";
import { z } from "zod";
import type { EventBus, Logger } from "./event-bus.js";
import { EventBusClosedError, EventBusUnavailableError } from "./event-bus-errors.js";
import { HandlerSet } from "./handler-set.js";
import { type BusEvent, BusEventSchema } from "./job-event.js";

export const DEFAULT_EVENTS_CHANNEL = "rapidphoto:job-events";

export type RedisEventBusOptions = {
  url: string;
  /** One channel carries every job event; separate deployments sharing a Redis use separate channels. */
  channel?: string;
  logger: Logger;
};

const CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  // Fail fast at start-up instead of hanging on a wrong REDIS_URL.
  connectTimeout: 5_000,
};

/**
 * Redis pub/sub: every instance publishes to one channel and delivers what it hears there to its
 * own subscribers — its own events included, so every instance sees one order. Pub/sub keeps
 * nothing: events sent while an instance is reconnecting are lost to it, and its clients catch up
 * by refetching when they see a gap in `seq` (DESIGN §6).
 */
export async function createRedisEventBus(options: RedisEventBusOptions): Promise<EventBus> {
  const { url, logger } = options;
  const channel = options.channel ?? DEFAULT_EVENTS_CHANNEL;
  // A subscribed connection can run no other commands, hence two.
  const pub = new Redis(url, {
    ...CONNECTION_OPTIONS,
    connectionName: "rapidphoto-events-pub",
    // A push that cannot go out now is stale by the time Redis is back: fail it, never queue or resend it.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    // Bounds publish and check() (a /healthz probe) when the connection dies mid-command.
    commandTimeout: 2_000,
  });
  const sub = new Redis(url, { ...CONNECTION_OPTIONS, connectionName: "rapidphoto-events-sub" });
  for (const [role, client] of [
    ["pub", pub],
    ["sub", sub],
  ] as const) {
    client.on("error", (err) => logger.warn({ err, role, channel }, "redis event bus: connection error"));
  }

  const handlers = new HandlerSet(logger);
  sub.on("message", (from: string, raw: string) => {
    if (from !== channel) return;
    const event = decode(raw);
    if (event instanceof z.ZodError || event instanceof SyntaxError) {
      logger.warn({ channel, reason: event.message.slice(0, 500) }, "redis event bus: dropped a malformed event");
      return;
    }
    handlers.emit(event);
  });

  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(channel);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw new EventBusUnavailableError(`cannot reach Redis at ${redact(url)}`, { cause: err });
  }

  let closed = false;
  return {
    kind: "redis",
    async publish(event) {
      if (closed) throw new EventBusClosedError();
      await pub.publish(channel, JSON.stringify(event));
    },
    subscribe: (handler) => handlers.add(handler),
    async check() {
      if (closed) throw new EventBusClosedError();
      if (sub.status !== "ready") throw new EventBusUnavailableError(`redis subscriber is ${sub.status}`);
      try {
        await pub.ping();
      } catch (err) {
        throw new EventBusUnavailableError("redis ping failed", { cause: err });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      await Promise.all([quit(pub), quit(sub)]);
    },
  };
}

function decode(raw: string): BusEvent | z.ZodError | SyntaxError {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return err as SyntaxError;
  }
  const parsed = BusEventSchema.safeParse(json);
  return parsed.success ? parsed.data : parsed.error;
}

/** QUIT lets Redis finish what was sent; a connection that is down is just dropped. */
async function quit(client: Redis): Promise<void> {
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}
