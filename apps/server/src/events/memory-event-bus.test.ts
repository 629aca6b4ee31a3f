import { expect, it } from "vitest";
import { describeEventBusContract } from "../../test/support/event-bus.contract.js";
import { jobEvent } from "../../test/support/test-events.js";
import type { BusEvent } from "./job-event.js";
import { createMemoryEventBus } from "./memory-event-bus.js";

describeEventBusContract("memory event bus", async (logger) => createMemoryEventBus({ logger }));

it("memory event bus: every subscriber has the event when publish resolves", async () => {
  const bus = createMemoryEventBus();
  const seen: BusEvent[] = [];
  bus.subscribe((event) => seen.push(event));
  await bus.publish(jobEvent("job_memory01", 1));
  expect(seen).toHaveLength(1);
  expect(bus.kind).toBe("memory");
});
