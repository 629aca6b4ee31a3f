import type { JobEvent } from "@rapidphoto/protocol";
import type { EventBus, Logger } from "../events/event-bus.js";

/** At most ~4 progress pushes per second per job (DESIGN §6): smooth bars, bounded fan-out. */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Sits between the shared event bus and this instance's sockets (realtime-plugin.ts): events go in
 * through `publish` as they come off the bus, and out to the local bus the broker reads.
 */
export interface ProgressCoalescer {
  publish(event: JobEvent): Promise<void>;
  /** Sends every job's pending progress now. */
  flush(): Promise<void>;
  /** Flushes, stops the timers; later events pass straight through to the bus. */
  close(): Promise<void>;
}

type JobWindow = {
  /** Latest progress per photo (or for the job itself) since the window opened. */
  pending: Map<string, JobEvent>;
  timer: NodeJS.Timeout;
};

/**
 * Throttles `progress` events per job: the first goes out at once and opens a window; what arrives
 * during the window is coalesced (latest per photo wins) and sent when it closes, at most once per
 * interval. A `status` event first sends its job's pending progress, then itself, immediately — so
 * per job, everything still reaches the bus in the order it was published (pending progress is
 * sent in `seq` order).
 */
export function createProgressCoalescer(options: {
  bus: Pick<EventBus, "publish">;
  logger: Logger;
  intervalMs?: number;
}): ProgressCoalescer {
  const { bus, logger } = options;
  const intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  const windows = new Map<string, JobWindow>();
  let closed = false;

  function takePending(window: JobWindow): Promise<void>[] {
    const events = [...window.pending.values()].sort((a, b) => a.message.seq - b.message.seq);
    window.pending.clear();
    return events.map((event) => bus.publish(event));
  }

  function windowClosed(jobId: string): void {
    const window = windows.get(jobId);
    if (!window) return;
    if (window.pending.size === 0) {
      windows.delete(jobId);
      return;
    }
    // Nobody awaits a timer flush, so its failures are logged here.
    Promise.all(takePending(window)).catch((err: unknown) =>
      logger.warn({ err, jobId }, "progress coalescer: publishing progress failed"),
    );
    window.timer = setTimeout(() => windowClosed(jobId), intervalMs);
  }

  return {
    async publish(event) {
      if (closed) return bus.publish(event);
      const { jobId } = event.message;
      const window = windows.get(jobId);
      if (event.kind === "status") {
        const sends = window ? takePending(window) : [];
        sends.push(bus.publish(event));
        await Promise.all(sends);
        return;
      }
      if (!window) {
        windows.set(jobId, { pending: new Map(), timer: setTimeout(() => windowClosed(jobId), intervalMs) });
        return bus.publish(event);
      }
      const key = event.message.type === "photo" ? event.message.photoId : "";
      window.pending.delete(key); // re-insert: the newest update is the one to send last
      window.pending.set(key, event);
    },
    async flush() {
      await Promise.all([...windows.values()].flatMap(takePending));
    },
    async close() {
      closed = true;
      for (const window of windows.values()) clearTimeout(window.timer);
      const sends = [...windows.values()].flatMap(takePending);
      windows.clear();
      await Promise.all(sends);
    },
  };
}
