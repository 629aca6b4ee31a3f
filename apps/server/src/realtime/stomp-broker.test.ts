import { jobTopic, SKIP_FOLLOWED_JOBS_HEADER, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import type { Client } from "@stomp/stompjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ALICE_JOB,
  ALICE_JOB_2,
  BOB_JOB,
  BROKEN_JOB,
  connect,
  connectFrame,
  events,
  eventually,
  json,
  nextError,
  type RealtimeTestApp,
  rawStomp,
  stalledSubscriber,
  startRealtimeApp,
  stompClient,
  subscribed,
} from "../../test/support/realtime-test-kit.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";

// Every wait below is bounded by `eventually` or by this timeout: a missing close fails, never hangs.
const BOUNDED = { timeout: 30_000 };

describe("stomp broker", BOUNDED, () => {
  let rt: RealtimeTestApp;
  const clients: Client[] = [];
  const raws: Awaited<ReturnType<typeof rawStomp>>[] = [];
  const alice = async () => {
    const c = stompClient(rt.origin, "websocket");
    clients.push(c);
    await connect(c);
    return c;
  };
  const raw = async () => {
    const r = await rawStomp(rt.origin);
    raws.push(r);
    return r;
  };

  beforeAll(async () => {
    rt = await startRealtimeApp({ heartbeatMs: 5_000, maxSubscriptions: 3 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.deactivate()));
    for (const r of raws.splice(0)) {
      r.ws.terminate();
      expect(r.errors).toEqual([]);
    }
  });
  afterAll(async () => {
    await rt.close();
  });

  describe("CONNECT", () => {
    it("answers CONNECTED with version, heart-beat, server and session", async () => {
      const r = await raw();
      r.send(connectFrame({ "accept-version": "1.0,1.1,1.2", "heart-beat": "0,0" }));
      const connected = await r.frame("CONNECTED");
      expect(connected.headers).toMatchObject({ version: "1.2", "heart-beat": "5000,5000", server: "RapidPhoto" });
      expect(connected.headers.session).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("negotiates the highest common version", async () => {
      const r11 = await raw();
      r11.send(connectFrame({ "accept-version": "1.0,1.1" }));
      expect((await r11.frame("CONNECTED")).headers.version).toBe("1.1");

      // No accept-version means a 1.0 client, which knows no heart-beats.
      const r10 = await raw();
      r10.send({ command: "CONNECT", headers: { passcode: "token-alice" } });
      const connected = await r10.frame("CONNECTED");
      expect(connected.headers.version).toBe("1.0");
      expect(connected.headers["heart-beat"]).toBeUndefined();
    });

    it("refuses a client with no version in common, naming the supported ones", async () => {
      const r = await raw();
      r.send(connectFrame({ "accept-version": "2.0" }));
      const error = await r.frame("ERROR");
      expect(error.headers.version).toBe("1.0,1.1,1.2");
      await r.closed;
    });

    it("accepts the token as passcode", async () => {
      const r = await raw();
      r.send({ command: "STOMP", headers: { "accept-version": "1.2", passcode: "token-bob" } });
      await r.frame("CONNECTED");
    });

    const v12 = { "accept-version": "1.2" };
    it.each<[string, Record<string, string>, string]>([
      ["no token", v12, "Authentication failed"],
      ["a non-Bearer Authorization", { ...v12, Authorization: "Basic dG9rZW4tYWxpY2U=" }, "Authentication failed"],
      ["an unknown token", { ...v12, Authorization: "Bearer token-mallory" }, "Authentication failed"],
      [
        "a token while auth is down",
        { ...v12, Authorization: "Bearer token-auth-down" },
        "Authentication is unavailable, try again later",
      ],
      ["an invalid heart-beat", { ...v12, passcode: "token-alice", "heart-beat": "soon" }, "Invalid heart-beat header"],
    ])("answers %s with ERROR and closes", async (_, headers, message) => {
      const r = await raw();
      r.send({ command: "CONNECT", headers });
      expect((await r.frame("ERROR")).headers.message).toBe(message);
      await r.closed;
      expect(r.frames.map((f) => f.command)).toEqual(["ERROR"]);
    });

    it("accepts nothing but CONNECT first", async () => {
      const r = await raw();
      r.send({ command: "SUBSCRIBE", headers: { id: "1", destination: jobTopic(ALICE_JOB) } });
      expect((await r.frame("ERROR")).headers.message).toBe("Not connected");
      await r.closed;
    });

    it("refuses a second CONNECT", async () => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send(connectFrame());
      expect((await r.frame("ERROR")).headers.message).toBe("Already connected");
      await r.closed;
    });

    it("forgets a connection once it closes", async () => {
      const r = await raw();
      r.send(connectFrame({ Authorization: "Bearer token-mallory" }));
      await r.closed;
      await eventually(() => expect(rt.app.realtime.connectionCount()).toBe(0));
    });
  });

  describe("framing", () => {
    it.each([
      ["garbage", "HELLO\n\n\0", "Unknown command"],
      ["a header without a colon", "CONNECT\naccept-version\n\n\0", "Malformed header"],
      ["a body on CONNECT", "CONNECT\naccept-version:1.2\n\nhi\0", "This frame must not have a body"],
      ["a server frame", "MESSAGE\ndestination:/x\n\n\0", "Servers do not accept this frame"],
      ["an overlong header", `CONNECT\nx:${"y".repeat(9 * 1024)}\n\n\0`, "Header line too long"],
      ["an oversized frame", `SEND\ndestination:/x\n\n${"y".repeat(70 * 1024)}\0`, "Frame too large"],
    ])("answers %s with ERROR and closes", async (_, wire, message) => {
      const r = await raw();
      r.send(wire);
      expect((await r.frame("ERROR")).headers.message).toBe(message);
      await r.closed;
    });

    it("handles frames pipelined in one message, in order", async () => {
      const r = await raw();
      r.send(
        "CONNECT\naccept-version:1.2\nAuthorization:Bearer token-alice\n\n\0" +
          `\nSUBSCRIBE\nid:1\ndestination:${jobTopic(ALICE_JOB)}\nreceipt:sub\n\n\0` +
          "DISCONNECT\nreceipt:bye\n\n\0",
      );
      await r.closed;
      expect(r.frames.map((f) => [f.command, f.headers["receipt-id"]])).toEqual([
        ["CONNECTED", undefined],
        ["RECEIPT", "sub"],
        ["RECEIPT", "bye"],
      ]);
    });

    it("refuses a flood of frames queued behind a pending check", async () => {
      const r = await raw();
      const subscribes = Array.from(
        { length: 100 },
        (_, i) => `SUBSCRIBE\nid:${i}\ndestination:${USER_JOBS_QUEUE}\n\n\0`,
      );
      r.send(`CONNECT\naccept-version:1.2\npasscode:token-alice\n\n\0${subscribes.join("")}`);
      expect((await r.frame("ERROR")).headers.message).toBe("Too many frames in flight");
      await r.closed;
    });
  });

  describe("SUBSCRIBE", () => {
    it("refuses another user's job topic with ERROR and closes", async () => {
      const c = await alice();
      const failure = nextError(c);
      c.subscribe(jobTopic(BOB_JOB), () => {});
      const { error, closed } = await failure;
      expect(error.headers.message).toBe("Not allowed to subscribe to this destination");
      await closed;
    });

    it.each(["/topic/job/not-a-job-id", "/topic/everything", "/user/queue/other", "/queue/jobs"])(
      "refuses the unknown destination %s",
      async (destination) => {
        const c = await alice();
        const failure = nextError(c);
        c.subscribe(destination, () => {});
        expect((await failure).error.headers.message).toBe("Unknown destination");
      },
    );

    it("reports a failing ownership check as an internal error", async () => {
      const c = await alice();
      const failure = nextError(c);
      c.subscribe(jobTopic(BROKEN_JOB), () => {});
      expect((await failure).error.headers.message).toBe("Internal server error");
    });

    it("names the failed frame's receipt in the ERROR", async () => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send({ command: "SUBSCRIBE", headers: { id: "1", destination: jobTopic(BOB_JOB), receipt: "mine" } });
      expect((await r.frame("ERROR")).headers["receipt-id"]).toBe("mine");
    });

    it.each([
      ["without an id", { destination: USER_JOBS_QUEUE }, "Missing required header"],
      ["without a destination", { id: "1" }, "Missing required header"],
      ["with ack:client", { id: "1", destination: USER_JOBS_QUEUE, ack: "client" }, "Only ack auto is supported"],
    ])("refuses a SUBSCRIBE %s", async (_, headers, message) => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send({ command: "SUBSCRIBE", headers });
      expect((await r.frame("ERROR")).headers.message).toBe(message);
    });

    it("refuses a subscription id already in use", async () => {
      const c = await alice();
      await subscribed(c, USER_JOBS_QUEUE, { id: "same" });
      const failure = nextError(c);
      c.subscribe(jobTopic(ALICE_JOB), () => {}, { id: "same" });
      expect((await failure).error.headers.message).toBe("Subscription id already in use");
    });

    it("caps subscriptions per connection", async () => {
      const c = await alice();
      await subscribed(c, USER_JOBS_QUEUE);
      await subscribed(c, jobTopic(ALICE_JOB));
      await subscribed(c, jobTopic(ALICE_JOB_2));
      const failure = nextError(c);
      c.subscribe(jobTopic(ALICE_JOB), () => {});
      expect((await failure).error.headers.message).toBe("Too many subscriptions on this connection");
    });

    it("round-trips a subscription id that needs header escaping", async () => {
      const c = await alice();
      const got = await subscribed(c, jobTopic(ALICE_JOB), { id: "tab:1\\job\nA" });
      await rt.bus.publish(jobEvent(ALICE_JOB, 1));
      await eventually(() => expect(got).toHaveLength(1));
      expect(got[0]!.headers.subscription).toBe("tab:1\\job\nA");
    });
  });

  describe("delivery", () => {
    it("sends /user/queue/jobs only the caller's own job lifecycle messages", async () => {
      const c = await alice();
      const got = await subscribed(c, USER_JOBS_QUEUE);
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 1, { kind: "status", status: "PROCESSING" }));
      await rt.bus.publish(jobEvent(BOB_JOB, 1, { userId: "bob" }));
      await rt.bus.publish(jobEvent(ALICE_JOB, 2));
      await rt.bus.publish(jobEvent(ALICE_JOB_2, 1, { status: "COMPLETED" }));
      await eventually(() => expect(events(got)).toHaveLength(2));
      expect(events(got).map((m) => [m.type, m.jobId, m.seq])).toEqual([
        ["job", ALICE_JOB, 2],
        ["job", ALICE_JOB_2, 1],
      ]);
      expect(got[0]!.headers.destination).toBe(USER_JOBS_QUEUE);
    });

    it("sends what one turn publishes to a destination as one batch frame, in order", async () => {
      const c = await alice();
      const got = await subscribed(c, jobTopic(ALICE_JOB));
      // Published in one turn (the memory bus delivers synchronously): the batch window is still open.
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 1, { kind: "status", status: "PROCESSING" }));
      await rt.bus.publish(jobEvent(ALICE_JOB, 2));
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 3, { kind: "status", status: "COMPLETED" }));
      await eventually(() => expect(got).toHaveLength(1));
      expect(json(got[0]!).type).toBe("batch");
      expect(events(got).map((m) => [m.type, m.seq])).toEqual([
        ["photo", 1],
        ["job", 2],
        ["photo", 3],
      ]);
    });

    it("carries a job's last job message only, and says on the topic where the batch starts for that job", async () => {
      const c = await alice();
      const topic = await subscribed(c, jobTopic(ALICE_JOB));
      const queue = await subscribed(c, USER_JOBS_QUEUE);
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 2, { kind: "status", status: "PROCESSING" }));
      await rt.bus.publish(jobEvent(ALICE_JOB, 3));
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_2", 4, { kind: "status", status: "PROCESSING" }));
      await rt.bus.publish(jobEvent(ALICE_JOB, 5));
      await eventually(() => expect(topic).toHaveLength(1));
      const body = JSON.parse(topic[0]!.body) as { seqFrom?: Record<string, number> };
      expect(events(topic).map((m) => [m.type, m.seq])).toEqual([
        ["photo", 2],
        ["photo", 4],
        ["job", 5],
      ]);
      expect(body.seqFrom).toEqual({ [ALICE_JOB]: 2 });
      // The queue carries job messages only: the last one, as itself.
      await eventually(() => expect(queue).toHaveLength(1));
      expect(json(queue[0]!)).toMatchObject({ type: "job", seq: 5 });
    });

    it(`leaves out of /user/queue/jobs the jobs its connection follows on their topic, when asked (${SKIP_FOLLOWED_JOBS_HEADER})`, async () => {
      const c = await alice();
      const topic = await subscribed(c, jobTopic(ALICE_JOB));
      const queue = await subscribed(c, USER_JOBS_QUEUE, { [SKIP_FOLLOWED_JOBS_HEADER]: "true" });
      const other = await alice();
      const everything = await subscribed(other, USER_JOBS_QUEUE);
      await rt.bus.publish(jobEvent(ALICE_JOB, 1));
      await rt.bus.publish(jobEvent(ALICE_JOB_2, 1));
      await eventually(() => expect(events(everything)).toHaveLength(2));
      await eventually(() => expect(events(queue)).toHaveLength(1));
      expect(events(queue)[0]).toMatchObject({ jobId: ALICE_JOB_2 });
      // Each destination keeps its own pace: the topic's frame may come before or after the queue's.
      await eventually(() => expect(events(topic).map((m) => m.jobId)).toEqual([ALICE_JOB]));
      expect(events(queue)).toHaveLength(1);
    });

    it("sends a job topic only that job's messages", async () => {
      const c = await alice();
      const job1 = await subscribed(c, jobTopic(ALICE_JOB));
      const job2 = await subscribed(c, jobTopic(ALICE_JOB_2));
      await rt.bus.publish(photoEvent(ALICE_JOB_2, "ph_2", 1));
      await rt.bus.publish(photoEvent(ALICE_JOB, "ph_1", 1));
      await eventually(() => expect(job1).toHaveLength(1));
      await eventually(() => expect(job2).toHaveLength(1));
      expect(json(job1[0]!).jobId).toBe(ALICE_JOB);
      expect(json(job2[0]!).jobId).toBe(ALICE_JOB_2);
    });

    it("stops delivering after UNSUBSCRIBE, confirmed by RECEIPT", async () => {
      const c = await alice();
      const dropped = await subscribed(c, jobTopic(ALICE_JOB), { id: "drop" });
      const kept = await subscribed(c, USER_JOBS_QUEUE, { id: "keep" });
      const unsubscribed = new Promise<void>((resolve) => c.watchForReceipt("unsub", () => resolve()));
      c.unsubscribe("drop", { receipt: "unsub" });
      await unsubscribed;
      await rt.bus.publish(jobEvent(ALICE_JOB, 7));
      await eventually(() => expect(kept).toHaveLength(1));
      expect(dropped).toHaveLength(0);
    });

    it("refuses UNSUBSCRIBE of an unknown id", async () => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send({ command: "UNSUBSCRIBE", headers: { id: "never" } });
      expect((await r.frame("ERROR")).headers.message).toBe("No such subscription");
    });
  });

  describe("other commands", () => {
    it("refuses client SEND: the server only pushes", async () => {
      const c = await alice();
      const failure = nextError(c);
      c.publish({ destination: jobTopic(ALICE_JOB), body: "{}" });
      const { error, closed } = await failure;
      expect(error.headers.message).toBe("SEND is not accepted, this server only pushes");
      await closed;
    });

    it.each(["ACK", "NACK", "BEGIN", "COMMIT", "ABORT"] as const)("refuses %s", async (command) => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send({ command, headers: { id: "1", transaction: "t" } });
      expect((await r.frame("ERROR")).headers.message).toBe("Command not supported by this server");
    });

    it("answers DISCONNECT with its RECEIPT, then closes", async () => {
      const r = await raw();
      r.send(connectFrame());
      await r.frame("CONNECTED");
      r.send({ command: "DISCONNECT", headers: { receipt: "bye" } });
      expect((await r.frame("RECEIPT")).headers["receipt-id"]).toBe("bye");
      await r.closed;
    });
  });
});

describe("stomp broker: heart-beats", BOUNDED, () => {
  let rt: RealtimeTestApp;
  beforeAll(async () => {
    rt = await startRealtimeApp({ heartbeatMs: 40 });
  });
  afterAll(async () => {
    await rt.close();
  });

  it("beats at a peer that asked for it and drops one that goes silent", async () => {
    const r = await rawStomp(rt.origin);
    r.send(connectFrame({ "heart-beat": "40,40" }));
    await r.frame("CONNECTED");
    // Never sends anything again.
    await r.closed;
    expect(r.heartbeats()).toBeGreaterThan(0);
    await eventually(() => expect(rt.app.realtime.connectionCount()).toBe(0));
  });

  it("keeps a peer that heart-beats", async () => {
    const r = await rawStomp(rt.origin);
    r.send(connectFrame({ "heart-beat": "40,40" }));
    await r.frame("CONNECTED");
    const beat = setInterval(() => r.send("\n"), 10);
    try {
      // Dead-peer detection would have fired well before this many server beats.
      await eventually(() => expect(r.heartbeats()).toBeGreaterThanOrEqual(10));
      expect(r.ws.readyState).toBe(r.ws.OPEN);
      r.send({ command: "SUBSCRIBE", headers: { id: "1", destination: USER_JOBS_QUEUE, receipt: "alive" } });
      await r.frame("RECEIPT");
    } finally {
      clearInterval(beat);
      r.ws.terminate();
    }
  });

  it("keeps a @stomp/stompjs client that heart-beats, and it receives messages", async () => {
    // stompjs judges the server dead after two of its intervals without data, checked on a timer
    // that runs before pending socket reads: its interval must outlast a busy machine's pauses.
    // So this app beats every 250 ms, and the test waits for beats both ways instead of for time.
    const slow = await startRealtimeApp({ heartbeatMs: 250 });
    const log: string[] = [];
    const c = stompClient(slow.origin, "websocket", {
      heartbeatIncoming: 250,
      heartbeatOutgoing: 250,
      debug: (line) => log.push(line),
    });
    let closes = 0;
    try {
      await connect(c);
      c.onWebSocketClose = () => {
        closes += 1;
      };
      const got = await subscribed(c, USER_JOBS_QUEUE);
      const beats = (kind: string) => log.filter((line) => line.includes(kind)).length;
      for (let seq = 1; seq <= 5; seq++) {
        const [pings, pongs] = [beats(">>> PING"), beats("<<< PONG")];
        await slow.bus.publish(jobEvent(ALICE_JOB, seq));
        await eventually(() => expect(got).toHaveLength(seq));
        // At least one beat each way between messages: the connection lives through them.
        await eventually(() => expect([beats(">>> PING") > pings, beats("<<< PONG") > pongs]).toEqual([true, true]));
      }
      expect(closes).toBe(0);
    } finally {
      await c.deactivate();
      await slow.close();
    }
  });
});

describe("stomp broker: idle sockets", BOUNDED, () => {
  it("closes a socket that never sends CONNECT", async () => {
    const rt = await startRealtimeApp({ connectTimeoutMs: 50 });
    try {
      const r = await rawStomp(rt.origin);
      expect((await r.frame("ERROR")).headers.message).toBe("No CONNECT received in time");
      await r.closed;
      await eventually(() => expect(rt.app.realtime.connectionCount()).toBe(0));
    } finally {
      await rt.close();
    }
  });
});

describe("stomp broker: slow consumers", BOUNDED, () => {
  it("drops a client that stops reading instead of buffering for it without bound", async () => {
    const rt = await startRealtimeApp({ maxBufferedBytes: 64 * 1024 });
    try {
      const { socket } = await stalledSubscriber(rt.origin, jobTopic(ALICE_JOB));
      const bulky = "x".repeat(16 * 1024);
      // Enough to fill the kernel's socket buffers many times over; stops as soon as it is dropped.
      for (let seq = 1; seq <= 2_000 && rt.app.realtime.connectionCount() > 0; seq++) {
        await rt.bus.publish(
          photoEvent(ALICE_JOB, "ph_1", seq, { kind: "status", status: "FAILED", errorMessage: bulky }),
        );
        if (seq % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      // Pushes leave in batches on the broker's pace: the drop comes with the next one sent.
      await eventually(() => expect(rt.app.realtime.connectionCount()).toBe(0));
      socket.destroy();
    } finally {
      await rt.close();
    }
  });
});
