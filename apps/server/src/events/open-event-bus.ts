import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config/config.js";
import type { EventBus } from "./event-bus.js";
import { createMemoryEventBus } from "./memory-event-bus.js";

/** In-process events by default; Redis pub/sub when REDIS_URL is set, so every instance sees every event. */
export async function openEventBus(config: Config, logger: FastifyBaseLogger): Promise<EventBus> {
  if (!config.redisUrl) return createMemoryEventBus({ logger });
  const { createRedisEventBus } = await import("./redis-event-bus.js");
  return createRedisEventBus({ url: config.redisUrl, logger });
}
