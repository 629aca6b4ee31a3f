/** Publishing on a bus that was already closed: a shutdown-ordering bug in the caller. */
export class EventBusClosedError extends Error {
  override readonly name = "EventBusClosedError";
  constructor() {
    super("event bus is closed");
  }
}

/** The bus transport (Redis) could not be reached. */
export class EventBusUnavailableError extends Error {
  override readonly name = "EventBusUnavailableError";
}
