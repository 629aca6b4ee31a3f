import { describe, expect, it } from "vitest";
import { SeqTracker } from "./seq-tracker";

describe("SeqTracker", () => {
  it("sees no gap before the job has a baseline", () => {
    const t = new SeqTracker();
    expect(t.observe("job_a", 7)).toBe("in-order");
    expect(t.observe("job_a", 12)).toBe("in-order");
    expect(t.last("job_a")).toBe(12);
  });

  it("flags a status message that skips a seq once synced, and only once", () => {
    const t = new SeqTracker();
    t.baseline("job_a", 5);
    expect(t.observe("job_a", 6)).toBe("in-order");
    expect(t.observe("job_a", 9)).toBe("gap");
    expect(t.observe("job_a", 10)).toBe("in-order");
  });

  it("treats progress messages, which repeat the current seq, and late duplicates as in order", () => {
    const t = new SeqTracker();
    t.baseline("job_a", 5);
    expect(t.observe("job_a", 5)).toBe("in-order");
    expect(t.observe("job_a", 5)).toBe("in-order");
    expect(t.observe("job_a", 3)).toBe("in-order");
    expect(t.last("job_a")).toBe(5);
  });

  it("keeps the newer of a fetched seq and the messages seen while it was fetched", () => {
    const t = new SeqTracker();
    t.observe("job_a", 9);
    t.baseline("job_a", 7);
    expect(t.last("job_a")).toBe(9);
    expect(t.observe("job_a", 10)).toBe("in-order");
  });

  it("starts over after a reset (a new subscription)", () => {
    const t = new SeqTracker();
    t.baseline("job_a", 5);
    t.reset("job_a");
    expect(t.observe("job_a", 20)).toBe("in-order");
  });
});
