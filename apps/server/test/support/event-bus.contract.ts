import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EventBus, Logger } from "../../src/events/event-bus.js";
import { EventBusClosedError } from "../../src/events/event-bus-errors.js";
import type { BusEvent } from "../../src/events/job-event.js";
import { captureLogger, type LogRecord } from "./capture-logger.js";
import { jobEvent, photoEvent, seqOf } from "./test-events.js";

const JOB = "job_contract1";

/** The one suite every EventBus implementation passes (STYLE 12). `open` gets a fresh, isolated bus. */
export function describeEventBusContract(name: string, open: (logger: Logger) => Promise<EventBus>): void {
  describe(`${name} (EventBus contract)`, () => {
    let bus: EventBus;
    let records: LogRecord[];

    beforeEach(async () => {
      const captured = captureLogger();
      records = captured.records;
      bus = await open(captured.logger);
    });
    afterEach(async () => {
      await bus.close();
    });

    it("delivers every event to every subscriber, in publish order", async () => {
      const a: BusEvent[] = [];
      const b: BusEvent[] = [];
      bus.subscribe((event) => a.push(event));
      bus.subscribe((event) => b.push(event));
      const sent = Array.from({ length: 30 }, (_, i) => (i % 5 === 4 ? jobEvent(JOB, i) : photoEvent(JOB, `p${i}`, i)));
      for (const event of sent) await bus.publish(event);
      await vi.waitFor(() => expect(b).toHaveLength(sent.length));
      expect(a).toEqual(sent);
      expect(b).toEqual(sent);
    });

    it("stops delivering to a handler once it unsubscribes", async () => {
      const dropped: BusEvent[] = [];
      const kept: BusEvent[] = [];
      const unsubscribe = bus.subscribe((event) => dropped.push(event));
      bus.subscribe((event) => kept.push(event));
      await bus.publish(photoEvent(JOB, "p1", 1));
      await vi.waitFor(() => expect(kept).toHaveLength(1));
      unsubscribe();
      await bus.publish(photoEvent(JOB, "p1", 2));
      await vi.waitFor(() => expect(kept).toHaveLength(2));
      expect(dropped.map(seqOf)).toEqual([1]);
    });

    it("keeps delivering to the others when a handler throws, and logs it", async () => {
      const kept: BusEvent[] = [];
      bus.subscribe(() => {
        throw new Error("subscriber bug");
      });
      bus.subscribe((event) => kept.push(event));
      await bus.publish(jobEvent(JOB, 1));
      await bus.publish(jobEvent(JOB, 2));
      await vi.waitFor(() => expect(kept).toHaveLength(2));
      expect(records.filter((r) => r.level === "error")).toHaveLength(2);
    });

    it("passes check() while open; refuses publish and check() once closed", async () => {
      await expect(bus.check()).resolves.toBeUndefined();
      await bus.close();
      await expect(bus.publish(jobEvent(JOB, 1))).rejects.toBeInstanceOf(EventBusClosedError);
      await expect(bus.check()).rejects.toBeInstanceOf(EventBusClosedError);
      await bus.close(); // twice is harmless
    });
  });
}
