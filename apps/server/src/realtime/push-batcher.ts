import { MAX_PUSH_BATCH } from "@rapidphoto/protocol";
import type { Clock } from "./clock.js";

/**
 * At most one MESSAGE frame per destination this often. At 1,000 files a job's topic carries
 * ~150 events a second; one frame each cost the page a task, a STOMP parse and a store/cache write
 * per event (bench/results/browser-perf-log.md, "Pushes"). 100 ms is the page's own store pace.
 */
export const PUSH_BATCH_MS = 100;

/**
 * A stream active for this long is a batch being processed (1,000 photos finishing over a minute or
 * more): its window stretches to PUSH_BUSY_BATCH_MS until this long passes without events. The page
 * renders the panel's status changes a few times a second anyway, and each frame costs it a task, a
 * parse and a store write (~1.4 ms at 1,000 files) and the server an encode per subscription; a
 * frame then carries a few photos' changes and one job message instead of one photo's and one job
 * message (bench/results/browser-perf-log.md, section 32).
 */
export const PUSH_BUSY_AFTER_MS = 1_000;
/** The window of a busy stream: ~4 frames a second, the pace DESIGN §6 sets for progress pushes. */
export const PUSH_BUSY_BATCH_MS = 250;

/**
 * What one destination stream carries: a job's topic (`jobId` set) or a user's queue. Events of a
 * stream reach every subscription of it in the same frames, so a frame's body is encoded once.
 */
export type PushStream = { readonly key: string; readonly userId: string; readonly jobId?: string };

/** `T`: what the broker routes (a push message and what it decided about it when routing). */
export interface PushBatcher<T> {
  add(stream: PushStream, item: T): void;
  /** Sends everything pending now: every stream's (shutdown), or one stream's (its window goes on). */
  flush(streamKey?: string): void;
  /** What one stream holds now, in order. */
  pending(streamKey: string): readonly T[];
  /** Cancels the timers; what is still pending is dropped, and later events are sent at once. */
  close(): void;
}

/** `since`: when the stream last became active; `lastEventAt`: its latest event. */
type Window<T> = { stream: PushStream; pending: T[]; cancel: () => void; since: number; lastEventAt: number };

/**
 * Paces each stream: an event on an idle stream goes out on the next turn of the event loop (with
 * whatever else the same burst published), after which the stream sends at most once per
 * `windowMs`, everything held meanwhile in one call. A window without events makes it idle again,
 * unless it has been active for `busyAfterMs`: such a busy stream sends at most once per
 * `busyWindowMs` and is idle only after `busyAfterMs` without events (a batch's photos finish with
 * short pauses between them). Order within a stream is kept; nothing is merged or dropped here
 * (progress is merged upstream, progress-coalescer.ts; a send keeps a job's last job message only,
 * compactPushBody). A run longer than MAX_PUSH_BATCH is split into several sends, in order.
 */
export function createPushBatcher<T>(options: {
  clock: Clock;
  windowMs?: number;
  busyAfterMs?: number;
  busyWindowMs?: number;
  send(stream: PushStream, items: T[]): void;
}): PushBatcher<T> {
  const { clock, send } = options;
  const windowMs = options.windowMs ?? PUSH_BATCH_MS;
  const busyAfterMs = options.busyAfterMs ?? PUSH_BUSY_AFTER_MS;
  const busyWindowMs = Math.max(windowMs, options.busyWindowMs ?? PUSH_BUSY_BATCH_MS);
  const windows = new Map<string, Window<T>>();
  let closed = false;

  function sendPending(window: Window<T>): void {
    const { pending } = window;
    window.pending = [];
    for (let i = 0; i < pending.length; i += MAX_PUSH_BATCH) send(window.stream, pending.slice(i, i + MAX_PUSH_BATCH));
  }

  function due(window: Window<T>): void {
    const now = clock.now();
    const busy = now - window.since >= busyAfterMs;
    if (window.pending.length === 0 && (!busy || now - window.lastEventAt >= busyAfterMs)) {
      windows.delete(window.stream.key);
      return;
    }
    window.cancel = clock.setTimeout(() => due(window), busy ? busyWindowMs : windowMs);
    if (window.pending.length > 0) sendPending(window);
  }

  return {
    add(stream, item) {
      if (closed) {
        send(stream, [item]);
        return;
      }
      const open = windows.get(stream.key);
      if (open) {
        open.pending.push(item);
        open.lastEventAt = clock.now();
        return;
      }
      const now = clock.now();
      const window: Window<T> = { stream, pending: [item], cancel: () => {}, since: now, lastEventAt: now };
      windows.set(stream.key, window);
      window.cancel = clock.setTimeout(() => due(window), 0);
    },
    flush(streamKey) {
      if (streamKey === undefined) {
        for (const window of windows.values()) sendPending(window);
        return;
      }
      const window = windows.get(streamKey);
      if (window && window.pending.length > 0) sendPending(window);
    },
    pending: (streamKey) => windows.get(streamKey)?.pending ?? [],
    close() {
      closed = true;
      for (const window of windows.values()) window.cancel();
      windows.clear();
    },
  };
}
