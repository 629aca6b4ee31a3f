import { describe, expect, it } from "vitest";
import { type ArrivalTimers, MAX_WAIT_MS, REVEAL_WINDOW_MS, ThumbnailArrivals } from "./thumbnail-arrivals";

/** Decodes settled by hand, and timers run by hand: no test waits for time. */
function harness() {
  const decodes = new Map<string, { resolve(): void; reject(): void }>();
  const timers = new Map<number, { fn: () => void; at: number }>();
  let now = 0;
  let next = 0;
  const fake: ArrivalTimers = {
    set(fn, ms) {
      timers.set(++next, { fn, at: now + ms });
      return next;
    },
    clear: (handle) => void timers.delete(handle as number),
  };
  const arrivals = new ThumbnailArrivals((url) => {
    let resolve!: () => void;
    let reject!: () => void;
    const done = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    decodes.set(url, { resolve, reject });
    return { done, keep: url };
  }, fake);
  const revealed: string[][] = [];
  let batch: string[] = [];
  const ask = (url: string) =>
    arrivals.whenReady(url, () => {
      batch.push(url);
      queueMicrotask(() => {
        if (batch.length) revealed.push(batch);
        batch = [];
      });
    });
  /** Lets settled decodes be seen, then runs the timers due by `ms` from now. */
  const advance = async (ms: number) => {
    await flush();
    now += ms;
    for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > now || !timers.has(id)) continue;
      timers.delete(id);
      timer.fn();
    }
    await flush();
  };
  return { arrivals, decodes, ask, advance, revealed };
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("ThumbnailArrivals", () => {
  it("reveals the thumbnails asked for together, once all are decoded", async () => {
    const h = harness();
    for (const url of ["a", "b", "c"]) h.ask(url);
    h.decodes.get("a")?.resolve();
    h.decodes.get("b")?.resolve();
    await h.advance(0);
    expect(h.revealed).toEqual([]);
    h.decodes.get("c")?.resolve();
    await h.advance(0);
    expect(h.revealed).toEqual([["a", "b", "c"]]);
    expect(h.arrivals.pending).toBe(0);
    // The decoded images stay the document's until the tiles have taken them (the next reveal).
    expect(h.arrivals.held).toEqual(["a", "b", "c"]);
  });

  it("does not hold ready thumbnails past the window for one still loading; that one follows", async () => {
    const h = harness();
    for (const url of ["a", "b", "slow"]) h.ask(url);
    h.decodes.get("a")?.resolve();
    h.decodes.get("b")?.resolve();
    await h.advance(REVEAL_WINDOW_MS - 1);
    expect(h.revealed).toEqual([]);
    await h.advance(1);
    expect(h.revealed).toEqual([["a", "b"]]);
    h.decodes.get("slow")?.resolve();
    await h.advance(0);
    expect(h.revealed).toEqual([["a", "b"], ["slow"]]);
  });

  it("reveals a thumbnail that failed to decode, and one that never loads, so none is lost", async () => {
    const h = harness();
    h.ask("broken");
    h.ask("stalled");
    h.decodes.get("broken")?.reject();
    await h.advance(REVEAL_WINDOW_MS);
    expect(h.revealed).toEqual([["broken"]]);
    await h.advance(MAX_WAIT_MS);
    expect(h.revealed).toEqual([["broken"], ["stalled"]]);
    expect(h.arrivals.pending).toBe(0);
  });

  it("forgets a cancelled thumbnail, and does not let it hold back the others", async () => {
    const h = harness();
    h.ask("a");
    const cancel = h.ask("gone");
    h.decodes.get("a")?.resolve();
    await h.advance(0);
    expect(h.revealed).toEqual([]);
    cancel();
    await h.advance(0);
    expect(h.revealed).toEqual([["a"]]);
    h.decodes.get("gone")?.resolve();
    await h.advance(MAX_WAIT_MS);
    expect(h.revealed).toEqual([["a"]]);
    expect(h.arrivals.pending).toBe(0);
  });

  it("prepares a patch's thumbnails: settles once all are decoded, keeping only those that decoded", async () => {
    const h = harness();
    let settled = false;
    void h.arrivals.prepare(["a", "b", "broken"]).then(() => {
      settled = true;
    });
    h.decodes.get("a")?.resolve();
    h.decodes.get("broken")?.reject();
    await h.advance(0);
    expect(settled).toBe(false);
    expect(h.arrivals.isPrepared("a")).toBe(false);
    h.decodes.get("b")?.resolve();
    await h.advance(0);
    expect(settled).toBe(true);
    expect(["a", "b", "broken"].map((url) => h.arrivals.isPrepared(url))).toEqual([true, true, false]);
  });

  it("does not hold a patch back for good: a thumbnail still loading after MAX_WAIT_MS is left out", async () => {
    const h = harness();
    let settled = false;
    void h.arrivals.prepare(["a", "stalled"]).then(() => {
      settled = true;
    });
    h.decodes.get("a")?.resolve();
    await h.advance(MAX_WAIT_MS - 1);
    expect(settled).toBe(false);
    await h.advance(1);
    expect(settled).toBe(true);
    expect(h.arrivals.isPrepared("a")).toBe(true);
    h.decodes.get("stalled")?.resolve();
    await h.advance(0);
    expect(h.arrivals.isPrepared("stalled")).toBe(false);
  });

  it("keeps the last two patches' images and lets older ones go; a prepared URL is not decoded again", async () => {
    const h = harness();
    const prepare = async (url: string) => {
      const done = h.arrivals.prepare([url]);
      h.decodes.get(url)?.resolve();
      await done;
    };
    await prepare("first");
    await prepare("second");
    expect(h.arrivals.isPrepared("first")).toBe(true);
    await prepare("third");
    expect(["first", "second", "third"].map((url) => h.arrivals.isPrepared(url))).toEqual([false, true, true]);
    h.decodes.clear();
    await h.arrivals.prepare(["third"]);
    expect(h.decodes.size).toBe(0);
  });

  it("tells which photos' tiles are drawn, counting a tile that remounts over itself", () => {
    const h = harness();
    const first = h.arrivals.drawn("p1");
    const again = h.arrivals.drawn("p1");
    first();
    expect(h.arrivals.isDrawn("p1")).toBe(true);
    again();
    expect(h.arrivals.isDrawn("p1")).toBe(false);
    expect(h.arrivals.isDrawn("p2")).toBe(false);
  });
});
