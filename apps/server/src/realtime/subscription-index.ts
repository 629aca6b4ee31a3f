import type { JobEvent } from "@rapidphoto/protocol";
import type { Destination } from "./destinations.js";
import type { PushStream } from "./push-batcher.js";

/** The session side of a subscription: who it belongs to and how to hand it a message. */
export interface Subscriber {
  readonly userId: string;
  /** `tail`: the shared end of the MESSAGE frame (see encodeMessageTail). */
  deliver(subscription: Subscription, tail: string): void;
}

export type Subscription = {
  /** The client's `id` header, unique within its connection. */
  readonly id: string;
  readonly destination: Destination;
  readonly subscriber: Subscriber;
  /** The user's queue without the jobs this connection follows on their topic (SKIP_FOLLOWED_JOBS_HEADER). */
  readonly skipFollowed?: boolean;
};

/**
 * Routes a job event to the subscriptions that may see it, in O(matching subscriptions):
 * job topics are indexed by job id, the user queue by user id.
 */
export class SubscriptionIndex {
  private readonly byJob = new Map<string, Set<Subscription>>();
  private readonly byUser = new Map<string, Set<Subscription>>();

  add(subscription: Subscription): void {
    const [map, key] = this.slot(subscription);
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(subscription);
  }

  remove(subscription: Subscription): void {
    const [map, key] = this.slot(subscription);
    const set = map.get(key);
    if (!set) return;
    set.delete(subscription);
    if (set.size === 0) map.delete(key);
  }

  /** Subscriptions that receive `event`. */
  *match(event: JobEvent): Generator<Subscription> {
    for (const stream of streamsOf(event)) yield* this.matchStream(stream);
  }

  /** The streams `event` goes to that someone here subscribes to (see push-batcher.ts). */
  streamsWanted(event: JobEvent): PushStream[] {
    return streamsOf(event).filter((stream) => !this.matchStream(stream).next().done);
  }

  /** The connections of `userId` that follow `jobId` on its topic now; null if none does. */
  followersOf(userId: string, jobId: string): Set<Subscriber> | null {
    let followers: Set<Subscriber> | null = null;
    for (const { subscriber } of this.byJob.get(jobId) ?? []) {
      if (subscriber.userId !== userId) continue;
      followers ??= new Set();
      followers.add(subscriber);
    }
    return followers;
  }

  /** Subscriptions of one stream: a job's topic, or a user's queue. */
  *matchStream(stream: PushStream): Generator<Subscription> {
    if (stream.jobId === undefined) {
      yield* this.byUser.get(stream.userId) ?? [];
      return;
    }
    for (const subscription of this.byJob.get(stream.jobId) ?? []) {
      // Ownership was checked at SUBSCRIBE; checking again means a wrong authorizeJob can never leak events.
      if (subscription.subscriber.userId === stream.userId) yield subscription;
    }
  }

  get size(): number {
    let n = 0;
    for (const set of this.byJob.values()) n += set.size;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  private slot(subscription: Subscription): [Map<string, Set<Subscription>>, string] {
    const { destination } = subscription;
    return destination.kind === "job" ? [this.byJob, destination.jobId] : [this.byUser, subscription.subscriber.userId];
  }
}

/** Where an event goes: its job's topic, and for a job's lifecycle message also its owner's queue. */
export function streamsOf(event: JobEvent): PushStream[] {
  const { userId } = event;
  const topic = topicStream(userId, event.message.jobId);
  return event.message.type === "job" ? [topic, userStream(userId)] : [topic];
}

export const topicStream = (userId: string, jobId: string): PushStream => ({
  key: `job:${userId}:${jobId}`,
  userId,
  jobId,
});

export const userStream = (userId: string): PushStream => ({ key: `user:${userId}`, userId });
