import net from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import { describeEventBusContract } from "../../test/support/event-bus.contract.js";
import { REDIS_TEST_URL, skipWithoutRedis, uniqueChannel } from "../../test/support/redis-test-support.js";
import { jobEvent, photoEvent, seqOf } from "../../test/support/test-events.js";
import type { EventBus } from "./event-bus.js";
import { EventBusUnavailableError } from "./event-bus-errors.js";
import type { BusEvent } from "./job-event.js";
import { createRedisEventBus } from "./redis-event-bus.js";

const skip = await skipWithoutRedis("redis event bus");
const JOB = "job_redis0001";

describe.skipIf(skip)("redis event bus", () => {
  describeEventBusContract("redis event bus", (logger) =>
    createRedisEventBus({ url: REDIS_TEST_URL, channel: uniqueChannel(), logger }),
  );

  const opened: EventBus[] = [];
  const open = async (channel: string, url = REDIS_TEST_URL) => {
    const captured = captureLogger();
    const bus = await createRedisEventBus({ url, channel, logger: captured.logger });
    opened.push(bus);
    return { bus, records: captured.records };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });

  it("delivers an event published on one instance to every instance's subscribers, in order", async () => {
    const channel = uniqueChannel();
    const { bus: a } = await open(channel);
    const { bus: b } = await open(channel);
    const atA: BusEvent[] = [];
    const atB: BusEvent[] = [];
    a.subscribe((event) => atA.push(event));
    b.subscribe((event) => atB.push(event));

    const sent = Array.from({ length: 50 }, (_, i) => photoEvent(JOB, "p1", i + 1, { bytesSent: i * 10 }));
    for (const event of sent) await a.publish(event);
    await vi.waitFor(() => expect(atB).toHaveLength(sent.length));
    expect(atB).toEqual(sent);
    await vi.waitFor(() => expect(atA).toEqual(sent));
    expect(a.kind).toBe("redis");
  });

  it("keeps separate channels apart", async () => {
    const { bus: a } = await open(uniqueChannel());
    const { bus: b } = await open(uniqueChannel());
    const atA: BusEvent[] = [];
    const atB: BusEvent[] = [];
    a.subscribe((event) => atA.push(event));
    b.subscribe((event) => atB.push(event));
    await b.publish(jobEvent(JOB, 1));
    await a.publish(jobEvent(JOB, 2));
    await vi.waitFor(() => expect(atA.map(seqOf)).toEqual([2]));
    expect(atB.map(seqOf)).toEqual([1]);
  });

  it("drops and logs malformed messages, and keeps delivering valid ones", async () => {
    const channel = uniqueChannel();
    const { bus, records } = await open(channel);
    const seen: BusEvent[] = [];
    bus.subscribe((event) => seen.push(event));

    const raw = new Redis(REDIS_TEST_URL);
    try {
      await raw.publish(channel, "{not json");
      await raw.publish(channel, JSON.stringify({ userId: "alice", kind: "progress", message: { type: "photo" } }));
      await raw.publish(channel, JSON.stringify({ ...jobEvent(JOB, 1), kind: "shout" }));
      await raw.publish(channel, JSON.stringify(jobEvent(JOB, 2)));
    } finally {
      raw.disconnect();
    }
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual(jobEvent(JOB, 2));
    expect(records.filter((r) => r.msg.includes("malformed"))).toHaveLength(3);
  });

  it("fails check() and publish while Redis is unreachable, and resubscribes when it is back", async () => {
    const proxy = await startProxy(new URL(REDIS_TEST_URL));
    try {
      const channel = uniqueChannel();
      const { bus } = await open(channel, `redis://127.0.0.1:${proxy.port}`);
      const { bus: direct } = await open(channel);
      const seen: BusEvent[] = [];
      bus.subscribe((event) => seen.push(event));

      await proxy.cut();
      await vi.waitFor(() => expect(bus.check()).rejects.toBeInstanceOf(EventBusUnavailableError));
      await expect(bus.publish(jobEvent(JOB, 1))).rejects.toThrow();

      await proxy.restore();
      await vi.waitFor(() => expect(bus.check()).resolves.toBeUndefined(), { timeout: 10_000 });
      await direct.publish(jobEvent(JOB, 2));
      await vi.waitFor(() => expect(seen.map(seqOf)).toEqual([2]));
    } finally {
      await proxy.close();
    }
  });
});

it("redis event bus: rejects with EventBusUnavailableError when Redis cannot be reached", async () => {
  const closedPort = await freePort();
  const { logger } = captureLogger();
  const attempt = createRedisEventBus({ url: `redis://127.0.0.1:${closedPort}`, channel: uniqueChannel(), logger });
  await expect(attempt).rejects.toBeInstanceOf(EventBusUnavailableError);
});

/** A TCP proxy in front of Redis that a test can cut and restore, to play a network failure. */
async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut: stop,
    restore: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
