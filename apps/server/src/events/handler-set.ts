import type { Logger } from "./event-bus.js";
import type { BusEvent } from "./job-event.js";

type Handler = (event: BusEvent) => void;

/**
 * The subscriber side every bus shares: handlers run in subscription order, and one that throws
 * is logged without keeping the event from the others.
 */
export class HandlerSet {
  // Entries are boxed so the same function subscribed twice is two subscriptions.
  private readonly entries = new Set<{ handler: Handler }>();

  constructor(private readonly logger: Logger) {}

  add(handler: Handler): () => void {
    const entry = { handler };
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
    };
  }

  emit(event: BusEvent): void {
    for (const { handler } of [...this.entries]) {
      try {
        handler(event);
      } catch (err) {
        this.logger.error(
          { err, kind: event.kind, userId: event.userId },
          "event bus: a subscriber threw; event dropped for it",
        );
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
