import { percentOf } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { etaSeconds, FileProgress, SpeedMeter } from "./progress.js";

function tracked(total: number) {
  const deltas: number[] = [];
  const progress = new FileProgress(total, (delta) => deltas.push(delta));
  return { progress, deltas };
}

describe("FileProgress", () => {
  it("sums parts in flight and ends at exactly the total", () => {
    const { progress } = tracked(250);
    progress.begin(1, 100);
    progress.begin(2, 100);
    progress.begin(3, 50);
    progress.update(1, 60);
    progress.update(2, 30);
    expect(progress.sent).toBe(90);
    // The transport's last event may fall short of the body (or overshoot it): completion is exact.
    progress.update(3, 70);
    expect(progress.sent).toBe(140);
    progress.complete(1);
    progress.complete(2);
    progress.complete(3);
    expect(progress.sent).toBe(250);
    expect(percentOf(progress.sent, 250)).toBe(100);
  });

  it("takes back the bytes of a failed request, and only those", () => {
    const { progress, deltas } = tracked(200);
    progress.begin(1, 100);
    progress.update(1, 100);
    progress.complete(1);
    progress.begin(2, 100);
    progress.update(2, 40);
    progress.takeBack(2);
    expect(progress.sent).toBe(100);
    expect(deltas.filter((d) => d < 0)).toEqual([-40]);
    progress.begin(2, 100); // the retry starts from zero
    progress.update(2, 100);
    progress.complete(2);
    expect(progress.sent).toBe(200);
  });

  it("never goes down except by a take-back", () => {
    const { progress, deltas } = tracked(100);
    progress.begin(1, 100);
    for (const loaded of [10, 30, 20, 30, 80, 50]) progress.update(1, loaded);
    expect(deltas.every((d) => d > 0)).toBe(true);
    expect(progress.sent).toBe(80);
  });

  it("ignores late events from a request that already ended", () => {
    const { progress } = tracked(100);
    progress.begin(1, 100);
    progress.update(1, 50);
    progress.takeBack(1);
    progress.update(1, 90);
    expect(progress.sent).toBe(0);
  });

  it("starts a resumed file from the bytes already stored", () => {
    const { progress } = tracked(300);
    progress.begin(1, 100);
    progress.update(1, 70);
    progress.setStored(200); // in-flight bytes go, stored bytes count
    expect(progress.sent).toBe(200);
    progress.begin(3, 100);
    progress.update(3, 100);
    progress.complete(3);
    expect(progress.sent).toBe(300);
  });
});

describe("SpeedMeter", () => {
  it("starts at the first measured rate and follows changes smoothly", () => {
    const meter = new SpeedMeter(3000);
    meter.sample(0, 0);
    expect(meter.sample(1000, 1000)).toBe(1000);
    const after = meter.sample(2000, 4000); // 3000 B/s for one second
    expect(after).toBeGreaterThan(1000);
    expect(after).toBeLessThan(3000);
    let speed = after;
    for (let t = 3000, b = 7000; t <= 30_000; t += 1000, b += 3000) speed = meter.sample(t, b);
    expect(speed).toBeCloseTo(3000, 0);
  });

  it("treats taken-back bytes as no progress, not negative speed", () => {
    const meter = new SpeedMeter(1000);
    meter.sample(0, 0);
    meter.sample(1000, 5000); // 5000 B/s
    // An interval whose counter went down is an interval of rate 0: the average decays by e^-1.
    expect(meter.sample(2000, 1000)).toBeCloseTo(5000 * Math.exp(-1), 6);
    // And the next interval is measured from the lowered counter: 1000 B/s, not -3000 or 0.
    const decayed = 5000 * Math.exp(-1);
    expect(meter.sample(3000, 2000)).toBeCloseTo(decayed + (1 - Math.exp(-1)) * (1000 - decayed), 6);
  });

  it("gives a time left only when there is a speed", () => {
    expect(etaSeconds(1000, 0)).toBeNull();
    expect(etaSeconds(1000, 500)).toBe(2);
    expect(etaSeconds(0, 0)).toBe(0);
  });
});
