import type { PushMessage } from "@rapidphoto/protocol";
import type { Subscriber, Subscription } from "./subscription-index.js";

/**
 * A push message with what the broker decided when it routed it. Who gets an event is decided
 * then, not when its batch is sent up to a window later: a connection that began to follow the
 * job on its topic meanwhile would otherwise find it neither on the topic (routed before it
 * subscribed) nor on its user queue (left out there as followed), and only a refetch covered it.
 */
export type RoutedPush = {
  readonly message: PushMessage;
  /** Its place in the order of routing: a subscription takes only what was routed after it began. */
  readonly order: number;
  /**
   * On a user's queue: the connections that followed the job on its topic when it was routed.
   * Their queue subscriptions with SKIP_FOLLOWED_JOBS_HEADER leave it out; the topic brings it.
   * A connection that unsubscribes from the topic before the batch is sent is taken out again.
   */
  readonly followers: Set<Subscriber> | null;
};

/**
 * What `subscription` takes of `pushes`: those routed after it began (`since`), less, on a queue
 * that skips followed jobs, those its connection followed on their topic. `pushes` itself when
 * it takes them all, so the frame encoded once for the stream can be shared.
 */
export function takenBy(subscription: Subscription, since: number, pushes: RoutedPush[]): RoutedPush[] {
  const takes = (push: RoutedPush) =>
    push.order > since && !(subscription.skipFollowed && push.followers?.has(subscription.subscriber));
  return pushes.every(takes) ? pushes : pushes.filter(takes);
}
