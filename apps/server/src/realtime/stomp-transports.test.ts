import { jobTopic, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import type { Client, IMessage } from "@stomp/stompjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  ALICE_JOB,
  connect,
  connectFrame,
  events,
  eventually,
  nextError,
  type RealtimeTestApp,
  rawStomp,
  stalledSubscriber,
  startRealtimeApp,
  stompClient,
  subscribed,
  type Transport,
} from "../../test/support/realtime-test-kit.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";
import { encodeFrame } from "./stomp-codec.js";

const TRANSPORTS: Transport[] = [
  "websocket",
  "sockjs-websocket",
  "sockjs-xhr-streaming",
  "sockjs-xhr-polling",
  "sockjs-eventsource",
];

// Bounded so a missing close or message fails the test instead of hanging it.
const BOUNDED = { timeout: 30_000 };

describe("realtime transports", BOUNDED, () => {
  let rt: RealtimeTestApp;
  const clients: Client[] = [];
  const client = (transport: Transport, config = {}) => {
    const c = stompClient(rt.origin, transport, config);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    rt = await startRealtimeApp({}, (app) => app.get("/hello", async () => ({ hello: "world" })));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.deactivate()));
  });
  afterAll(async () => {
    await rt.close();
  });

  it.each(TRANSPORTS)("%s: delivers a job's events in order, each a complete MESSAGE", async (transport) => {
    const c = client(transport);
    await connect(c);
    const got = await subscribed(c, jobTopic(ALICE_JOB), { id: "job-sub" });

    const sent = Array.from({ length: 12 }, (_, i) =>
      i % 4 === 3 ? jobEvent(ALICE_JOB, i + 1) : photoEvent(ALICE_JOB, `ph_${i}`, i + 1, { bytesSent: i }),
    );
    for (const event of sent) await rt.bus.publish(event);

    await eventually(() => expect(events(got).at(-1)?.seq).toBe(sent.length));
    // Every photo message in order; of the job messages a batch holds only a job's last (compactPushBody).
    const messages = sent.map((e) => e.message);
    expect(events(got).filter((m) => m.type === "photo")).toEqual(messages.filter((m) => m.type === "photo"));
    const jobSeqs = events(got).flatMap((m) => (m.type === "job" ? [m.seq] : []));
    expect(jobSeqs.at(-1)).toBe(12);
    expect(events(got)).toEqual(messages.filter((m) => m.type === "photo" || jobSeqs.includes(m.seq)));
    for (const message of got) {
      expect(message.headers).toMatchObject({
        subscription: "job-sub",
        destination: jobTopic(ALICE_JOB),
        "content-type": "application/json",
      });
    }
    expect(new Set(got.map((m: IMessage) => m.headers["message-id"])).size).toBe(got.length);
  });

  it.each<Transport>(["websocket", "sockjs-websocket", "sockjs-xhr-polling"])(
    "%s: a bad token gets an ERROR frame and the connection closes",
    async (transport) => {
      const c = client(transport);
      const failure = nextError(c);
      c.connectHeaders = { Authorization: "Bearer token-mallory" };
      c.activate();
      const { error, closed } = await failure;
      expect(error.headers.message).toBe("Authentication failed");
      await closed;
    },
  );

  it.each<Transport>(["websocket", "sockjs-websocket"])(
    "%s: after the server drops the socket the client reconnects, resubscribes and gets later events",
    async (transport) => {
      const got: IMessage[] = [];
      let subscriptions = 0;
      const c = client(transport, { reconnectDelay: 50 });
      c.connectHeaders = { Authorization: "Bearer token-alice" };
      c.onConnect = () => {
        const receipt = `resubscribed-${Math.random()}`;
        c.watchForReceipt(receipt, () => {
          subscriptions += 1;
        });
        c.subscribe(jobTopic(ALICE_JOB), (message) => got.push(message), { receipt });
      };
      c.activate();
      await eventually(() => expect(subscriptions).toBe(1));
      await rt.bus.publish(jobEvent(ALICE_JOB, 1));
      await eventually(() => expect(got).toHaveLength(1));

      expect(rt.app.realtime.disconnectUser("alice")).toBeGreaterThanOrEqual(1);
      await eventually(() => expect(subscriptions).toBe(2));
      await rt.bus.publish(jobEvent(ALICE_JOB, 2));
      await eventually(() => expect(events(got).map((m) => m.seq)).toEqual([1, 2]));
    },
  );

  it("leaves other routes to Fastify and serves SockJS' own endpoints", async () => {
    const hello = await fetch(`${rt.origin}/hello`);
    expect(await hello.json()).toEqual({ hello: "world" });
    const info = await fetch(`${rt.origin}/ws/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ websocket: true });
  });

  it("answers a WebSocket upgrade outside /ws with 404", async () => {
    const ws = new WebSocket(`${rt.origin.replace("http", "ws")}/elsewhere`);
    const error = await new Promise<Error>((resolve) => ws.once("error", resolve));
    expect(error.message).toMatch(/404/);
  });

  // A message over the transport's limit is refused as soon as its length is known, without being
  // buffered; it must still be answered in STOMP, the same way as an oversized frame that fits.
  it.each([
    ["a frame just over the frame limit", `SEND\ndestination:/x\n\n${"y".repeat(70 * 1024)}\0`],
    ["a 1 MB header line", `SEND\ndestination:/${"h".repeat(1024 * 1024)}\n\n\0`],
    ["an 8 MB body", `SEND\ndestination:/x\n\n${"b".repeat(8 * 1024 * 1024)}\0`],
  ])("answers %s on a raw WebSocket with an ERROR frame, then closes", async (_, frame) => {
    const raw = await rawStomp(rt.origin);
    raw.send(connectFrame());
    await raw.frame("CONNECTED");
    raw.send(frame);
    const error = await raw.frame("ERROR");
    expect(error.headers.message).toBe("Frame too large");
    expect((await raw.closed).code).toBe(1000);
    expect(raw.errors).toEqual([]);
    expect(raw.frames.map((f) => f.command)).toEqual(["CONNECTED", "ERROR"]);
  });

  it("answers an oversized message before CONNECT in STOMP too", async () => {
    const raw = await rawStomp(rt.origin);
    raw.send(`CONNECT\naccept-version:1.2\nx:${"h".repeat(2 * 1024 * 1024)}\n\n\0`);
    expect((await raw.frame("ERROR")).headers.message).toBe("Frame too large");
    expect((await raw.closed).code).toBe(1000);
  });

  it.each([
    ["not JSON", "[not json"],
    ["JSON that is not an array", '{"a":1}'],
    ["nothing", ""],
  ])("answers a SockJS xhr_send whose body is %s with 400", async (_, body) => {
    const session = `bad${Math.random().toString(36).slice(2)}`;
    const opened = await fetch(`${rt.origin}/ws/000/${session}/xhr`, { method: "POST" });
    expect(await opened.text()).toBe("o\n"); // the session exists, so only the body is wrong
    const response = await fetch(`${rt.origin}/ws/000/${session}/xhr_send`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Broken JSON encoding|Payload expected/);
  });

  it("still takes a well-formed xhr_send", async () => {
    await fetch(`${rt.origin}/ws/000/goodjson/xhr`, { method: "POST" });
    const response = await fetch(`${rt.origin}/ws/000/goodjson/xhr_send`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify([encodeFrame(connectFrame(), "1.2")]),
    });
    expect(response.status).toBe(204);
    const poll = await fetch(`${rt.origin}/ws/000/goodjson/xhr`, { method: "POST" });
    expect(await poll.text()).toContain("CONNECTED");
  });

  it("refuses a SockJS request body over the size limit before reading it", async () => {
    const response = await fetch(`${rt.origin}/ws/000/toolarge/xhr_send`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(["x".repeat(1024 * 1024)]),
    });
    expect(response.status).toBe(413);
  });
});

describe("realtime shutdown", BOUNDED, () => {
  it("app.close() closes open connections on every transport and completes", async () => {
    const rt = await startRealtimeApp();
    const clients = (["websocket", "sockjs-websocket", "sockjs-xhr-streaming"] as const).map((t) =>
      stompClient(rt.origin, t),
    );
    await Promise.all(clients.map((c) => connect(c)));
    const closed = clients.map((c) => new Promise<void>((resolve) => (c.onWebSocketClose = () => resolve())));
    expect(rt.app.realtime.connectionCount()).toBe(3);

    await rt.close();
    await Promise.all(closed);
    await Promise.all(clients.map((c) => c.deactivate()));
  });

  // ws would wait 30 s for the peer's close frame, faye-websocket (under sockjs) forever; shutdown must not.
  it.each(["websocket", "sockjs-websocket"] as const)(
    "%s: app.close() completes even when a peer never answers the closing handshake",
    { timeout: 10_000 },
    async (via) => {
      const rt = await startRealtimeApp();
      const { socket } = await stalledSubscriber(rt.origin, USER_JOBS_QUEUE, via);
      await rt.close();
      const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.resume();
      await ended;
    },
  );
});
