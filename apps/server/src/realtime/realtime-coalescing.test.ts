import { jobTopic } from "@rapidphoto/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("progress coalescing on the way to the sockets", () => {
  let rt: RealtimeTestApp;
  beforeAll(async () => {
    rt = await startRealtimeApp();
  });
  afterAll(() => rt.close());

  it("merges a flood of progress per job, delivers the latest bytes, and puts pending progress before the next status", async () => {
    const client = stompClient(rt.origin, "websocket");
    await connect(client);
    const got = await subscribed(client, jobTopic(ALICE_JOB));

    for (let bytes = 10; bytes <= 1000; bytes += 10) {
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 3, { bytesSent: bytes }));
    }
    await rt.bus.publish(jobEvent(ALICE_JOB, 4, { status: "IN_PROGRESS" }));

    await eventually(() => expect(events(got).at(-1)?.type).toBe("job"));
    const messages = events(got);
    const progress = messages.filter((m) => m.type === "photo");
    // The first goes out at once, the rest of the window is merged: far fewer than the 100 sent.
    expect(progress.length).toBeLessThan(10);
    expect(progress.at(-1)).toMatchObject({ bytesSent: 1000 });
    expect(messages.at(-1)).toMatchObject({ type: "job", seq: 4 });
    await client.deactivate();
  });
});
