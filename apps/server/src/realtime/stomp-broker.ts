import { compactPushBody } from "@rapidphoto/protocol";
import type { EventBus, Logger } from "../events/event-bus.js";
import type { BusEvent } from "../events/job-event.js";
import { type Clock, systemClock } from "./clock.js";
import { createPushBatcher, type PushStream } from "./push-batcher.js";
import { type RoutedPush, takenBy } from "./routed-push.js";
import type { Authenticate, AuthorizeJob, SessionConfig } from "./session-config.js";
import { encodeMessageTail } from "./stomp-codec.js";
import type { StompConnection } from "./stomp-connection.js";
import { DEFAULT_STOMP_LIMITS, type StompLimits } from "./stomp-frame.js";
import { type SessionHost, StompSession } from "./stomp-session.js";
import { type Subscription, SubscriptionIndex, userStream } from "./subscription-index.js";

/** Matches @stomp/stompjs' default, so browsers and server agree without tuning. */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** A live panel follows a handful of jobs; this only bounds what one socket can make us hold. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 128;
/** ~3,000 progress messages queued for one socket: it is not reading, so drop it and let it refetch. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const DEFAULT_MAX_PENDING_FRAMES = 64;
/** Generous for a real client (stompjs sends CONNECT as soon as the socket opens), short for an idle socket. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Each connection's token is checked again this often: a deleted user's socket (or one whose
 * revocation broadcast was lost) closes within a minute, at one query per connection per minute.
 */
export const DEFAULT_REVALIDATE_MS = 60_000;

export type StompBrokerOptions = {
  bus: Pick<EventBus, "subscribe">;
  authenticate: Authenticate;
  authorizeJob: AuthorizeJob;
  logger: Logger;
  heartbeatMs?: number;
  limits?: Partial<StompLimits>;
  maxSubscriptions?: number;
  maxBufferedBytes?: number;
  maxPendingFrames?: number;
  connectTimeoutMs?: number;
  revalidateMs?: number;
  clock?: Clock;
  /** How long a destination's pushes are held to go out as one frame (push-batcher.ts); 0 sends on the next turn. */
  batchMs?: number;
};

export interface StompBroker {
  /** Takes over a freshly opened transport connection. */
  accept(connection: StompConnection): void;
  /** Open connections, connected or still handshaking. */
  connectionCount(): number;
  /** Closes every connection of `userId` without ERROR (its client reconnects); returns how many. */
  disconnectUser(userId: string): number;
  /** Sends every connection of `userId` an ERROR (signed out everywhere) and closes it; returns how many. */
  revokeUser(userId: string): number;
  /** Stops listening to the bus and closes every connection. */
  close(): void;
}

/**
 * The STOMP broker: accepts connections, keeps the subscription index, and routes every job event
 * from the bus — subscribed to once — to the sessions allowed to see it, a destination's events
 * held briefly and sent together as one MESSAGE (push-batcher.ts).
 */
export function createStompBroker(options: StompBrokerOptions): StompBroker {
  const { logger } = options;
  const config: SessionConfig = {
    authenticate: options.authenticate,
    authorizeJob: options.authorizeJob,
    logger,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    limits: { ...DEFAULT_STOMP_LIMITS, ...options.limits },
    maxSubscriptions: options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    maxPendingFrames: options.maxPendingFrames ?? DEFAULT_MAX_PENDING_FRAMES,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    revalidateMs: options.revalidateMs ?? DEFAULT_REVALIDATE_MS,
    clock: options.clock ?? systemClock,
  };
  const sessions = new Set<StompSession>();
  const index = new SubscriptionIndex();
  /** Events routed so far; a subscription's entry is the count when it began (see RoutedPush). */
  let routed = 0;
  const since = new WeakMap<Subscription, number>();
  let closed = false;

  const host: SessionHost = {
    addSubscription(subscription) {
      const { destination, subscriber } = subscription;
      if (destination.kind === "job") {
        // What the user's queue holds of this job was routed while the connection did not follow
        // it and stays there: it goes out now, so it reaches the client before anything of the topic.
        const queue = userStream(subscriber.userId).key;
        if (batcher.pending(queue).some((push) => push.message.jobId === destination.jobId)) batcher.flush(queue);
      }
      since.set(subscription, routed);
      index.add(subscription);
    },
    removeSubscription(subscription, why) {
      const { destination, subscriber } = subscription;
      index.remove(subscription);
      if (why !== "unsubscribe" || destination.kind !== "job") return;
      // The client stopped listening to the topic when it sent UNSUBSCRIBE, so what its queue
      // still holds of the job, left out as followed when routed, is brought by the queue after all.
      for (const push of batcher.pending(userStream(subscriber.userId).key)) {
        if (push.message.jobId === destination.jobId) push.followers?.delete(subscriber);
      }
    },
    sessionClosed: (session: StompSession) => sessions.delete(session),
  };

  function sessionsOf(userId: string): StompSession[] {
    return [...sessions].filter((session) => session.isConnected && session.userId === userId);
  }

  function route(event: BusEvent): void {
    if (event.kind === "sessions-revoked") {
      for (const session of sessionsOf(event.userId)) session.revoke();
      return;
    }
    const { message } = event;
    const order = ++routed;
    for (const stream of index.streamsWanted(event)) {
      const followers = stream.jobId === undefined ? index.followersOf(stream.userId, message.jobId) : null;
      batcher.add(stream, { message, order, followers });
    }
  }

  /** One frame for every subscription of the stream, its body encoded once. */
  function send(stream: PushStream, pushes: RoutedPush[]): void {
    try {
      // Snapshot first: a delivery may drop a slow session, which edits the index mid-walk.
      const targets = [...index.matchStream(stream)];
      if (targets.length === 0) return;
      let shared: string | undefined;
      for (const subscription of targets) {
        const taken = takenBy(subscription, since.get(subscription) ?? 0, pushes);
        if (taken.length === 0) continue;
        if (taken !== pushes) {
          subscription.subscriber.deliver(subscription, encodeTail(stream, taken));
          continue;
        }
        shared ??= encodeTail(stream, pushes);
        subscription.subscriber.deliver(subscription, shared);
      }
    } catch (err) {
      // Runs from a timer: a throw here would take the process down.
      logger.error({ err, stream: stream.key }, "stomp: delivering pushes failed");
    }
  }

  const batcher = createPushBatcher<RoutedPush>({ clock: config.clock, windowMs: options.batchMs, send });
  const unsubscribe = options.bus.subscribe(route);

  return {
    accept(connection) {
      if (closed) {
        connection.close();
        return;
      }
      const session = new StompSession(connection, config, host);
      sessions.add(session);
      logger.debug({ session: session.id, peer: connection.description }, "stomp: connection opened");
    },
    connectionCount: () => sessions.size,
    disconnectUser(userId) {
      const closing = sessionsOf(userId);
      for (const session of closing) session.close();
      return closing.length;
    },
    revokeUser(userId) {
      const closing = sessionsOf(userId);
      for (const session of closing) session.revoke();
      return closing.length;
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      // What the bus brought before closing still goes out, then the sockets close.
      batcher.flush();
      batcher.close();
      for (const session of [...sessions]) session.close();
    },
  };
}

/** A frame's shared end: one event, or a batch with each job's job messages but the last left out. */
function encodeTail(stream: PushStream, pushes: RoutedPush[]): string {
  const messages = pushes.map((push) => push.message);
  // A job's topic carries all of its messages, a user's queue only its job messages.
  const body = compactPushBody(messages, { wholeJobs: stream.jobId !== undefined });
  return encodeMessageTail(JSON.stringify(body));
}
