import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config/config.js";
import type { EventBus } from "./event-bus.js";
import type { BusEvent } from "./job-event.js";
import { openEventBus } from "./open-event-bus.js";

declare module "fastify" {
  interface FastifyInstance {
    events: EventBus;
    /**
     * What services publish with. Pushes are best effort: a bus outage is logged and never
     * fails the change that caused the event (clients fall back to polling). Never rejects.
     */
    publishEvent(event: BusEvent): Promise<void>;
  }
}

/** Opens the event bus (in-process, or Redis pub/sub) and closes it when the app closes. */
const events: FastifyPluginAsync<{ config: Config }> = async (app, options) => {
  const bus = await openEventBus(options.config, app.log);
  app.decorate("events", bus);
  app.decorate("publishEvent", (event: BusEvent) =>
    bus.publish(event).catch((error: unknown) => app.log.warn({ err: error }, "event not published")),
  );
  app.addHook("onClose", () => bus.close());
};

export const eventsPlugin = fp(events, { name: "events", fastify: "5.x" });
