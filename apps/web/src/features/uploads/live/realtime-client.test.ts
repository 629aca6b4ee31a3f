import { STOMP_AUTH_ERRORS } from "@rapidphoto/protocol";
import { jobPush } from "@rapidphoto/protocol/testing";
import type { IStompSocket } from "@stomp/stompjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createRealtimeClient,
  isAuthRejection,
  parsePush,
  type RealtimeClient,
  type WakeReason,
} from "./realtime-client";

describe("parsePush", () => {
  it("accepts the protocol's push messages", () => {
    const message = jobPush({ totalCount: 2, queuedCount: 1, uploadingCount: 1, seq: 3 });
    expect(parsePush(JSON.stringify(message))).toEqual({ events: [message] });
  });

  it("reads a batch as its messages in order, and drops a batch with an invalid one whole", () => {
    const events = [jobPush({ seq: 3 }), jobPush({ seq: 4 })];
    expect(parsePush(JSON.stringify({ type: "batch", events }))).toEqual({ events });
    const seqFrom = { [events[0]!.jobId]: 2 };
    expect(parsePush(JSON.stringify({ type: "batch", events, seqFrom }))).toEqual({ events, seqFrom });
    expect(parsePush(JSON.stringify({ type: "batch", events: [...events, { type: "photo", seq: 5 }] }))).toBeNull();
  });

  it("drops anything else: not JSON, an unknown family, a photo without its fields", () => {
    expect(parsePush("not json")).toBeNull();
    expect(parsePush(JSON.stringify({ type: "chat", text: "hi" }))).toBeNull();
    expect(parsePush(JSON.stringify({ type: "photo", jobId: "job_a", status: "DONE", seq: 1 }))).toBeNull();
  });
});

/** A socket whose server answers every CONNECT with ERROR `refusal`, then closes; records the tokens. */
function refusingServer(refusal: string) {
  const tokens: string[] = [];
  const createSocket = (): IStompSocket => {
    const socket: IStompSocket = {
      url: "fake://ws",
      readyState: 0,
      binaryType: "arraybuffer",
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
      send(data: string) {
        if (!data.startsWith("CONNECT")) return;
        tokens.push(/Authorization:Bearer (\S+)/.exec(data)?.[1] ?? "");
        socket.onmessage?.({ data: `ERROR\nmessage:${refusal}\n\n\0` } as never);
        socket.close();
      },
      close() {
        if (socket.readyState === 3) return;
        (socket as { readyState: number }).readyState = 3;
        setTimeout(() => socket.onclose?.({ code: 1000, reason: "", wasClean: true } as never));
      },
    } as IStompSocket;
    setTimeout(() => {
      (socket as { readyState: number }).readyState = 1;
      socket.onopen?.({} as never);
    });
    return socket;
  };
  return { tokens, createSocket };
}

describe("when the server refuses the token", () => {
  it("tells the host, and reconnects with whatever token the session holds now", async () => {
    const server = refusingServer(STOMP_AUTH_ERRORS.TOKEN_EXPIRED);
    let token = "old-token";
    let rejections = 0;
    const client = createRealtimeClient({
      url: "fake://ws",
      getToken: () => token,
      createSocket: server.createSocket,
      onAuthRejected: () => {
        rejections += 1;
        token = "new-token";
      },
    });
    try {
      await vi.waitFor(() => expect(server.tokens.slice(0, 2)).toEqual(["old-token", "new-token"]), {
        timeout: 10_000,
      });
      expect(rejections).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });

  it("knows a sign-in refusal from other errors", () => {
    for (const message of Object.values(STOMP_AUTH_ERRORS)) expect(isAuthRejection(message)).toBe(true);
    expect(isAuthRejection("Authentication is unavailable, try again later")).toBe(false);
    expect(isAuthRejection("Not allowed to subscribe to this destination")).toBe(false);
    expect(isAuthRejection(undefined)).toBe(false);
  });
});

/**
 * A socket with a STOMP server behind it that answers CONNECT with CONNECTED (no heart-beats), or,
 * when `opens` is false, a connect attempt that hangs (the network is still down).
 */
class FakeStompSocket {
  url = "fake://ws";
  readyState = 0; // CONNECTING
  binaryType = "arraybuffer";
  onopen: ((event?: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event?: unknown) => void) | null = null;

  constructor(opens: boolean) {
    if (opens) {
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
      });
    }
  }

  /** SUBSCRIBE frames received: destination, id and headers. */
  readonly subscribes: Record<string, string>[] = [];

  send(data: string): void {
    if (data.startsWith("CONNECT")) this.reply("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0");
    if (data.startsWith("SUBSCRIBE\n")) {
      const head = data.slice(0, data.indexOf("\n\n"));
      this.subscribes.push(
        Object.fromEntries(
          head
            .split("\n")
            .slice(1)
            .map((line) => line.split(":", 2)),
        ),
      );
      const receipt = /\nreceipt:([^\n]+)/.exec(data)?.[1];
      if (receipt) this.reply(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
      return;
    }
    // A clean close waits for the server's receipt of DISCONNECT.
    const receipt = /\nreceipt:([^\n]+)/.exec(data)?.[1];
    if (data.startsWith("DISCONNECT") && receipt) this.reply(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
  }

  /** What the server sends: one chunk (SockJS hands the page one message per frame written). */
  reply(frame: string): void {
    setTimeout(() => this.onmessage?.({ data: frame }));
  }

  close(): void {
    this.drop(1000);
  }

  /** The connection ends under the client (an outage). */
  drop(code = 1006): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason: "", wasClean: code === 1000 });
  }
}

describe("receiving pushes", () => {
  it("hands a subscription its pushes in order, a batch as one call, with the SUBSCRIBE's headers sent", async () => {
    let socket: FakeStompSocket | undefined;
    const client = createRealtimeClient({
      url: "fake://ws",
      getToken: () => "token",
      createSocket: () => {
        socket = new FakeStompSocket(true);
        return socket as unknown as IStompSocket;
      },
      onWake: () => () => {},
    });
    try {
      const calls: number[][] = [];
      const live = new Promise<void>((resolve) =>
        client.subscribe(
          "/topic/job/job_a",
          { onMessages: (messages) => calls.push(messages.map((m) => m.seq)), onSubscribed: resolve },
          { "skip-followed-jobs": "true" },
        ),
      );
      await live;
      const sent = socket as FakeStompSocket;
      const subscription = sent.subscribes[0] ?? {};
      expect(subscription).toMatchObject({ destination: "/topic/job/job_a", "skip-followed-jobs": "true" });
      const frame = (body: unknown) => {
        const json = JSON.stringify(body);
        return `MESSAGE\nsubscription:${subscription.id}\nmessage-id:m\ndestination:/topic/job/job_a\ncontent-length:${json.length}\n\n${json}\0`;
      };
      sent.reply(frame(jobPush({ seq: 1 })));
      sent.reply(frame({ type: "batch", events: [jobPush({ seq: 2 }), jobPush({ seq: 3 })] }));
      sent.reply(frame({ type: "batch", events: [jobPush({ seq: 4 })] })); // a batch of one is not valid
      sent.reply(frame(jobPush({ seq: 5 })));
      await vi.waitFor(() => expect(calls).toEqual([[1], [2, 3], [5]]));
      expect(client.droppedCount).toBe(1);
    } finally {
      await client.close();
    }
  });
});

describe("reconnecting when the network comes back", () => {
  /** Backoff the tests never wait out: anything that reconnects did so because of the wake. */
  const NEVER = { base: 3_600_000, max: 3_600_000 };
  let client: RealtimeClient | null = null;

  afterEach(async () => {
    await client?.close();
    client = null;
  });

  function connect(opens: (attempt: number) => boolean) {
    const sockets: FakeStompSocket[] = [];
    let wake: (reason: WakeReason) => void = () => {};
    const unsubscribed = { wake: false };
    client = createRealtimeClient({
      url: "fake://ws",
      getToken: () => "token",
      createSocket: () => {
        const socket = new FakeStompSocket(opens(sockets.length));
        sockets.push(socket);
        return socket as unknown as IStompSocket;
      },
      onWake: (listener) => {
        wake = listener;
        return () => {
          unsubscribed.wake = true;
        };
      },
      reconnectDelayMs: NEVER,
    });
    return { sockets, wake: (reason: WakeReason) => wake(reason), unsubscribed, client };
  }

  it("after a drop, `online` connects again at once instead of after the backoff", async () => {
    const { sockets, wake, client } = connect(() => true);
    await vi.waitFor(() => expect(client.state).toBe("connected"));
    sockets[0]?.drop();
    expect(client.state).toBe("reconnecting");

    wake("online");
    await vi.waitFor(() => expect(client.state).toBe("connected"));
    expect(sockets).toHaveLength(2);
  });

  it("a connect attempt hanging since the outage is dropped for a fresh one when the page becomes visible", async () => {
    const { sockets, wake, client } = connect((attempt) => attempt > 0);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    expect(client.state).toBe("connecting");

    wake("visible");
    await vi.waitFor(() => expect(client.state).toBe("connected"));
    expect(sockets).toHaveLength(2);
    expect(sockets[0]?.readyState).toBe(3);
  });

  it("`online` replaces a socket that still looks connected (the outage may have killed it silently)", async () => {
    const { sockets, wake, client } = connect(() => true);
    await vi.waitFor(() => expect(client.state).toBe("connected"));

    wake("online");
    await vi.waitFor(() => expect(sockets).toHaveLength(2));
    await vi.waitFor(() => expect(client.state).toBe("connected"));
    expect(sockets[0]?.readyState).toBe(3);
  });

  it("hands each destination its own pushes, none after its unsubscribe, and the new subscription's after a reconnect", async () => {
    const { sockets, wake, client } = connect(() => true);
    const got: Record<string, number[]> = { a: [], b: [] };
    const follow = (name: "a" | "b") => {
      let subscribed = 0;
      const stop = client.subscribe(`/topic/job/job_${name}`, {
        onMessages: (messages) => got[name]?.push(...messages.map((m) => m.seq)),
        onSubscribed: () => subscribed++,
      });
      return { stop, subscribed: () => subscribed };
    };
    const a = follow("a");
    const b = follow("b");
    await vi.waitFor(() => expect([a.subscribed(), b.subscribed()]).toEqual([1, 1]));
    /** A MESSAGE on the latest socket for the subscription it last got for `name`. */
    const push = (name: "a" | "b", seq: number) => {
      const socket = sockets.at(-1) as FakeStompSocket;
      const id = socket.subscribes.findLast((s) => s.destination === `/topic/job/job_${name}`)?.id;
      const json = JSON.stringify(jobPush({ jobId: `job_${name}`, seq }));
      socket.reply(
        `MESSAGE\nsubscription:${id}\nmessage-id:m${seq}\ndestination:/topic/job/job_${name}\ncontent-length:${json.length}\n\n${json}\0`,
      );
    };
    push("a", 1);
    push("b", 2);
    await vi.waitFor(() => expect(got).toEqual({ a: [1], b: [2] }));

    // Dropped and back: the subscriptions are new (their ids start over on a new socket).
    sockets[0]?.drop();
    wake("online");
    await vi.waitFor(() => expect([a.subscribed(), b.subscribed()]).toEqual([2, 2]));
    push("b", 3);
    push("a", 4);
    await vi.waitFor(() => expect(got).toEqual({ a: [1, 4], b: [2, 3] }));
    a.stop();
    push("a", 5); // unsubscribed: nobody takes it (b's next push, sent after it, shows it was read)
    push("b", 6);
    await vi.waitFor(() => expect(got).toEqual({ a: [1, 4], b: [2, 3, 6] }));
    b.stop();
  });

  it("stops listening for wakes once closed", async () => {
    const { unsubscribed, client } = connect(() => true);
    await client.close();
    expect(unsubscribed.wake).toBe(true);
    expect(client.state).toBe("closed");
  });
});
