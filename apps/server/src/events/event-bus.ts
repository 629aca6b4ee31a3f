import type { FastifyBaseLogger } from "fastify";
import type { BusEvent } from "./job-event.js";

/**
 * How job events travel from whoever changed a photo to every instance's push subscribers.
 * In-process by default; Redis pub/sub when REDIS_URL is set (DESIGN §1, §6).
 */
export interface EventBus {
  readonly kind: "memory" | "redis";
  publish(event: BusEvent): Promise<void>;
  /** Returns an unsubscribe function. Handlers must not throw; the bus logs and drops what they throw. */
  subscribe(handler: (event: BusEvent) => void): () => void;
  /** Throws when the transport is unreachable (used by /healthz). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The slice of the app logger (pino via Fastify) that buses and the realtime broker use. */
export type Logger = Pick<FastifyBaseLogger, "debug" | "info" | "warn" | "error">;
