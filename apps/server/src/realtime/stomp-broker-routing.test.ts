import { jobTopic, SKIP_FOLLOWED_JOBS_HEADER, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import type { Client, IMessage } from "@stomp/stompjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../test/support/manual-clock.js";
import {
  ALICE_JOB,
  connect,
  events,
  eventually,
  type RealtimeTestApp,
  startRealtimeApp,
  stompClient,
  subscribed,
} from "../../test/support/realtime-test-kit.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";

/**
 * Who gets an event is decided when the broker routes it, not when its batch is sent (routed-push.ts).
 * The clock is manual: a batch leaves only when the test advances it, so "routed before, sent after"
 * is set up exactly, with no race against the machine's speed.
 */
describe("stomp broker: an event goes where it was routed", { timeout: 30_000 }, () => {
  const time = manualClock();
  let rt: RealtimeTestApp;
  const clients: Client[] = [];
  const alice = async () => {
    const c = stompClient(rt.origin, "websocket");
    clients.push(c);
    await connect(c);
    return c;
  };
  const seqs = (messages: IMessage[]) => events(messages).map((m) => m.seq);

  beforeAll(async () => {
    rt = await startRealtimeApp({ clock: time.clock, revalidateMs: 3_600_000 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.deactivate()));
  });
  afterAll(() => rt.close());

  it("a job event routed before the connection's SUBSCRIBE to its topic and sent after it arrives once, on the queue", async () => {
    const c = await alice();
    const queue = await subscribed(c, USER_JOBS_QUEUE, { [SKIP_FOLLOWED_JOBS_HEADER]: "true" });
    await rt.bus.publish(jobEvent(ALICE_JOB, 2)); // routed: c does not follow the job
    const topic = await subscribed(c, jobTopic(ALICE_JOB)); // the follow begins before the batch is sent
    await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 3, { kind: "status", status: "PROCESSING" }));
    time.advance(0);
    time.advance(1_000);
    await eventually(() => expect(seqs(topic)).toEqual([3]));
    expect(seqs(queue)).toEqual([2]);
  });

  it("... also while another connection follows the topic: its open batch does not bring it a second time, and the queue's comes first", async () => {
    const c = await alice();
    const queue = await subscribed(c, USER_JOBS_QUEUE, { [SKIP_FOLLOWED_JOBS_HEADER]: "true" });
    const other = await alice();
    const otherTopic = await subscribed(other, jobTopic(ALICE_JOB));

    await rt.bus.publish(jobEvent(ALICE_JOB, 3));
    const topic = await subscribed(c, jobTopic(ALICE_JOB));
    // The queue's frame went out when the follow began, before the RECEIPT.
    expect(seqs(queue)).toEqual([3]);
    await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 4, { kind: "status", status: "PROCESSING" }));
    time.advance(0);
    time.advance(1_000);
    await eventually(() => expect(seqs(otherTopic)).toEqual([3, 4]));
    await eventually(() => expect(seqs(topic)).toEqual([4]));
    expect(seqs(queue)).toEqual([3]);
  });

  it("a job event routed while the topic is followed and still held at UNSUBSCRIBE arrives on the queue", async () => {
    const c = await alice();
    const queue = await subscribed(c, USER_JOBS_QUEUE, { [SKIP_FOLLOWED_JOBS_HEADER]: "true" });
    const topic = await subscribed(c, jobTopic(ALICE_JOB), { id: "topic" });
    await rt.bus.publish(jobEvent(ALICE_JOB, 5));
    time.advance(0); // the windows are open now: the next event is held
    await eventually(() => expect(seqs(topic)).toEqual([5]));

    await rt.bus.publish(jobEvent(ALICE_JOB, 6)); // routed while followed: left out of c's queue
    const gone = new Promise<void>((resolve) => c.watchForReceipt("unsub", () => resolve()));
    // The client drops the topic's messages from here on (stompjs forgets the subscription).
    c.unsubscribe("topic", { receipt: "unsub" });
    await gone;
    time.advance(1_000);
    await eventually(() => expect(seqs(queue)).toEqual([6]));
    expect(seqs(topic)).toEqual([5]);
  });
});
