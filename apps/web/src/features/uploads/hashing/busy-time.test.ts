import { describe, expect, it } from "vitest";
import { BusyTime } from "./busy-time";

describe("BusyTime", () => {
  it("sums to the wall time during which anything ran, overlaps counted once, idle gaps not at all", () => {
    const busy = new BusyTime();
    busy.start(0);
    busy.start(10); // overlaps the first
    const pieces = [busy.end(30), busy.end(50)];
    busy.start(100); // after 50 ms idle
    pieces.push(busy.end(120));
    expect(pieces).toEqual([30, 20, 20]);
    expect(pieces.reduce((a, b) => a + b)).toBe(70);
  });

  it("gives one file alone its own duration", () => {
    const busy = new BusyTime();
    busy.start(5);
    expect(busy.end(12)).toBe(7);
  });
});
