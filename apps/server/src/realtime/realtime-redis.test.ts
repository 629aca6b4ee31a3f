import { jobTopic, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
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
import { REDIS_TEST_URL, skipWithoutRedis, uniqueChannel } from "../../test/support/redis-test-support.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";
import type { EventBus } from "../events/event-bus.js";
import { createRedisEventBus } from "../events/redis-event-bus.js";

const skip = await skipWithoutRedis("realtime over redis");

describe.skipIf(skip)("realtime across instances (Redis)", { timeout: 30_000 }, () => {
  const buses: EventBus[] = [];
  let a: RealtimeTestApp;
  let b: RealtimeTestApp;

  beforeAll(async () => {
    const channel = uniqueChannel();
    const open = async () => {
      const bus = await createRedisEventBus({ url: REDIS_TEST_URL, channel, logger: captureLogger().logger });
      buses.push(bus);
      return startRealtimeApp({ bus });
    };
    a = await open();
    b = await open();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all(buses.map((bus) => bus.close()));
  });

  it("a client on instance A receives, in order, what instance B publishes", async () => {
    const client = stompClient(a.origin, "sockjs-websocket");
    try {
      await connect(client);
      const topic = await subscribed(client, jobTopic(ALICE_JOB));
      const queue = await subscribed(client, USER_JOBS_QUEUE);

      const sent = [
        photoEvent(ALICE_JOB, "ph_1", 1, { bytesSent: 10 }),
        photoEvent(ALICE_JOB, "ph_1", 2, { bytesSent: 500 }),
        jobEvent(ALICE_JOB, 3, { status: "COMPLETED" }),
      ];
      for (const event of sent) await b.bus.publish(event);

      await eventually(() => expect(events(topic)).toHaveLength(3));
      expect(events(topic)).toEqual(sent.map((e) => e.message));
      await eventually(() => expect(events(queue)).toHaveLength(1));
      expect(events(queue)).toEqual([sent[2]!.message]);
    } finally {
      await client.deactivate();
    }
  });
});
