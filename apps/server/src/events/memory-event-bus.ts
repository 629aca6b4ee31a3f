import type { EventBus, Logger } from "./event-bus.js";
import { EventBusClosedError } from "./event-bus-errors.js";
import { HandlerSet } from "./handler-set.js";

/**
 * The embedded default: one process, so publishing is calling the subscribers. Delivery is
 * synchronous — every subscriber has the event when `publish` resolves — which also keeps order.
 */
export function createMemoryEventBus(options: { logger?: Logger } = {}): EventBus {
  const handlers = new HandlerSet(options.logger ?? console);
  let closed = false;

  return {
    kind: "memory",
    async publish(event) {
      if (closed) throw new EventBusClosedError();
      handlers.emit(event);
    },
    subscribe: (handler) => handlers.add(handler),
    async check() {
      if (closed) throw new EventBusClosedError();
    },
    async close() {
      closed = true;
      handlers.clear();
    },
  };
}
