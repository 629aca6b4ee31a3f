import { MAX_PUSH_BATCH, type PushMessage } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../test/support/manual-clock.js";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";
import { createPushBatcher, type PushStream } from "./push-batcher.js";

const TOPIC: PushStream = { key: "job:alice:job_alice0001", userId: "alice", jobId: "job_alice0001" };
const QUEUE: PushStream = { key: "user:alice", userId: "alice" };
const photo = (seq: number, photoId = "ph_1") => photoEvent("job_alice0001", photoId, seq).message;
const job = (seq: number) => jobEvent("job_alice0001", seq).message;

function setup(windowMs = 100) {
  const time = manualClock(0);
  const sent: { stream: string; seqs: number[]; at: number }[] = [];
  const batcher = createPushBatcher({
    clock: time.clock,
    windowMs,
    busyAfterMs: 1_000,
    busyWindowMs: 250,
    send: (stream, messages: PushMessage[]) =>
      sent.push({ stream: stream.key, seqs: messages.map((m) => m.seq), at: time.clock.now() }),
  });
  return { time, sent, batcher };
}

describe("push batcher", () => {
  it("sends an idle stream's burst together on the next turn, in order", () => {
    const { time, sent, batcher } = setup();
    batcher.add(TOPIC, photo(3));
    batcher.add(TOPIC, photo(4, "ph_2"));
    batcher.add(TOPIC, job(5));
    expect(sent).toEqual([]);
    time.advance(0);
    expect(sent).toEqual([{ stream: TOPIC.key, seqs: [3, 4, 5], at: 0 }]);
  });

  it("then sends at most once per window, everything held meanwhile in one send", () => {
    const { time, sent, batcher } = setup();
    batcher.add(TOPIC, photo(1));
    time.advance(0);
    batcher.add(TOPIC, photo(2));
    time.advance(40);
    batcher.add(TOPIC, photo(3));
    batcher.add(TOPIC, job(4));
    time.advance(59);
    expect(sent).toHaveLength(1);
    time.advance(1);
    expect(sent).toEqual([
      { stream: TOPIC.key, seqs: [1], at: 0 },
      { stream: TOPIC.key, seqs: [2, 3, 4], at: 100 },
    ]);
  });

  it("is idle again after a window without events: the next one goes out at once", () => {
    const { time, sent, batcher } = setup();
    batcher.add(TOPIC, photo(1));
    time.advance(0);
    time.advance(100); // a window with nothing in it
    batcher.add(TOPIC, photo(2));
    time.advance(0);
    expect(sent.map((s) => s.seqs)).toEqual([[1], [2]]);
  });

  it("paces each stream on its own", () => {
    const { time, sent, batcher } = setup();
    batcher.add(TOPIC, photo(1));
    batcher.add(QUEUE, job(2));
    time.advance(0);
    batcher.add(TOPIC, photo(3));
    time.advance(100);
    batcher.add(QUEUE, job(4));
    time.advance(0);
    expect(sent.map(({ stream, seqs }) => ({ stream, seqs }))).toEqual([
      { stream: TOPIC.key, seqs: [1] },
      { stream: QUEUE.key, seqs: [2] },
      { stream: TOPIC.key, seqs: [3] },
      { stream: QUEUE.key, seqs: [4] },
    ]);
  });

  /**
   * The clock moving 10 ms at a time for `ms` (so each timer fires when due), with an event every
   * 50 ms if `seq` is given; returns the next seq.
   */
  function run(
    time: ReturnType<typeof manualClock>,
    batcher: ReturnType<typeof setup>["batcher"],
    ms: number,
    seq?: number,
  ) {
    let next = seq;
    for (let t = 0; t < ms; t += 10) {
      if (next !== undefined && t % 50 === 0) batcher.add(TOPIC, photo(next++));
      time.advance(10);
    }
    return next ?? 0;
  }
  const gaps = (sent: { at: number }[]) => sent.slice(1).map((s, i) => s.at - (sent[i] as { at: number }).at);

  it("stretches the window of a stream that has sent in every window for a while", () => {
    const { time, sent, batcher } = setup();
    const last = run(time, batcher, 2_000, 1);
    run(time, batcher, 250);
    // Every 100 ms until the stream has been busy for 1 s, every 250 ms from then on; nothing lost.
    expect(gaps(sent)).toEqual([...Array(10).fill(100), ...Array(4).fill(250)]);
    expect(sent.flatMap((s) => s.seqs)).toEqual(Array.from({ length: last - 1 }, (_, i) => i + 1));
  });

  it("keeps a busy stream's long window over a pause shorter than a second", () => {
    const { time, sent, batcher } = setup();
    const next = run(time, batcher, 1_500, 1);
    run(time, batcher, 600); // a pause: no events for 600 ms
    const before = sent.length;
    run(time, batcher, 800, next);
    const after = gaps(sent.slice(before));
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after.every((gap) => gap === 250)).toBe(true);
  });

  it("is idle again after a busy stream has had no events for a second: short windows again", () => {
    const { time, sent, batcher } = setup();
    const next = run(time, batcher, 1_500, 1);
    run(time, batcher, 1_300); // its last events go out, then a second without events
    const before = sent.length;
    run(time, batcher, 300, next);
    expect(sent[before]?.at).toBe(time.clock.now() - 290); // on the first tick, as on an idle stream
    expect(gaps(sent.slice(before))).toEqual([100, 100]);
  });

  it("splits a run longer than a batch may be into several sends, in order", () => {
    const { time, sent, batcher } = setup();
    const count = MAX_PUSH_BATCH * 2 + 5;
    for (let seq = 1; seq <= count; seq++) batcher.add(TOPIC, photo(seq, `ph_${seq}`));
    time.advance(0);
    expect(sent.map((s) => s.seqs.length)).toEqual([MAX_PUSH_BATCH, MAX_PUSH_BATCH, 5]);
    expect(sent.flatMap((s) => s.seqs)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it("flush sends what is pending at once; after close events go straight through", () => {
    const { time, sent, batcher } = setup();
    batcher.add(TOPIC, photo(1));
    batcher.flush();
    expect(sent.map((s) => s.seqs)).toEqual([[1]]);
    batcher.close();
    time.advance(1_000);
    batcher.add(TOPIC, photo(2));
    expect(sent.map((s) => s.seqs)).toEqual([[1], [2]]);
  });
});
