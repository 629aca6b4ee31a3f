import { describe, expect, it } from "vitest";
import { SeqTracker } from "./seq-tracker";

/**
 * A tracker over one holder of job_a's `seq` that folds like the engine and the cached job view do
 * (the higher `seq` wins): `push` is a message observed and then taken by the holder, `fetched` a
 * view merged into it and made the baseline. job_a is followed until `followed.delete("job_a")`.
 */
function tracked() {
  const held = new Map<string, number>();
  const followed = new Set(["job_a"]);
  const t = new SeqTracker(
    (jobId) => held.get(jobId),
    (jobId) => followed.has(jobId),
  );
  const take = (seq: number) => held.set("job_a", Math.max(held.get("job_a") ?? 0, seq));
  return {
    t,
    followed,
    push(seq: number, inStep = false) {
      const verdict = t.observe("job_a", seq, inStep);
      take(seq);
      return verdict;
    },
    fetched(seq: number) {
      take(seq);
      t.baseline("job_a");
    },
  };
}

describe("SeqTracker", () => {
  it("sees no gap before the job has a baseline", () => {
    const { push } = tracked();
    expect(push(7)).toBe("in-order");
    expect(push(12)).toBe("in-order");
  });

  it("sees no gap while the holder holds nothing of the job, baseline or not", () => {
    const t = new SeqTracker(
      () => undefined,
      () => true,
    );
    t.baseline("job_a");
    expect(t.observe("job_a", 12)).toBe("in-order");
  });

  it("flags a status message that skips a seq once synced, and only once", () => {
    const { fetched, push } = tracked();
    fetched(5);
    expect(push(6)).toBe("in-order");
    expect(push(9)).toBe("gap");
    expect(push(10)).toBe("in-order");
  });

  it("treats progress messages, which repeat the current seq, and late duplicates as in order", () => {
    const { fetched, push } = tracked();
    fetched(5);
    expect(push(5)).toBe("in-order");
    expect(push(5)).toBe("in-order");
    expect(push(3)).toBe("in-order");
    expect(push(6)).toBe("in-order");
  });

  it("measures against the holder's seq, which keeps the newer of a fetched seq and the messages seen while it was fetched", () => {
    const { fetched, push } = tracked();
    push(9);
    fetched(7);
    expect(push(10)).toBe("in-order");
  });

  it("starts over after a reset (a new subscription)", () => {
    const { t, fetched, push } = tracked();
    fetched(5);
    t.reset("job_a");
    expect(push(20)).toBe("in-order");
  });

  it("keeps no baseline for a job not followed: its last message may come after it was dropped", () => {
    const { followed, fetched, push } = tracked();
    followed.delete("job_a");
    fetched(5);
    expect(push(9)).toBe("in-order");
  });

  it("counts a gap when the caller says the holder is in step, without keeping it", () => {
    const { followed, push } = tracked();
    followed.delete("job_a");
    expect(push(2, true)).toBe("in-order");
    expect(push(4, true)).toBe("gap");
    expect(push(9)).toBe("in-order");
  });
});
