import type { Page } from "playwright-core";
import { median, round } from "../measure.js";

/** One measured scroll: frame intervals and long tasks inside the window, and DOM size. */
export type ScrollSample = {
  frames: number;
  frameP95: number;
  frameP99: number;
  droppedPct: number;
  longTasks: number;
  longTaskMs: number;
  maxTiles: number;
  scrolled: number;
};

type Readout = { intervals: number[]; longTasks: number[]; maxTiles: number; scrolled: number };

/** Runs in the page (as source: this tsconfig has no DOM types, and tsx would wrap a function in helpers). */
const IN_PAGE_SCROLL = `({ selector, speed, ms, tiles }) => new Promise((resolve) => {
  const element = document.querySelector(selector);
  const longTasks = [];
  let t0 = Infinity;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= t0) longTasks.push(e.duration);
  });
  observer.observe({ type: "longtask" });
  const intervals = [];
  let last = 0;
  let maxTiles = 0;
  const start = element.scrollTop;
  const step = (now) => {
    if (t0 === Infinity) t0 = now;
    else intervals.push(now - last);
    last = now;
    const elapsed = now - t0;
    element.scrollTop = start + (speed * elapsed) / 1000;
    maxTiles = Math.max(maxTiles, document.querySelectorAll(tiles).length);
    if (elapsed < ms) requestAnimationFrame(step);
    // One more turn, so the long tasks of the last frames are delivered.
    else setTimeout(() => {
      observer.disconnect();
      resolve({ intervals, longTasks, maxTiles, scrolled: element.scrollTop - start });
    }, 200);
  };
  requestAnimationFrame(step);
})`;

/**
 * Scrolls `selector` at `speed` px/s for `seconds`, from requestAnimationFrame inside the page (the
 * same steady scroll for every contender, whatever the frame rate), recording every frame interval,
 * the long tasks that started inside the window, and the most `tiles` seen in the DOM.
 */
export async function scrollAndMeasure(
  page: Page,
  selector: string,
  speed: number,
  seconds: number,
  tiles: string,
): Promise<ScrollSample> {
  const args = JSON.stringify({ selector, speed, ms: seconds * 1000, tiles });
  const readout = (await page.evaluate(`(${IN_PAGE_SCROLL})(${args})`)) as Readout;
  const sorted = [...readout.intervals].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    frames: sorted.length,
    frameP95: round(pct(0.95), 1),
    frameP99: round(pct(0.99), 1),
    droppedPct: round((100 * sorted.filter((i) => i > 25).length) / Math.max(1, sorted.length), 1),
    longTasks: readout.longTasks.length,
    longTaskMs: round(
      readout.longTasks.reduce((a, b) => a + b, 0),
      0,
    ),
    maxTiles: readout.maxTiles,
    scrolled: Math.round(readout.scrolled),
  };
}

/** Medians over rounds (the DOM size: the largest seen). */
export function summarizeSamples(samples: ScrollSample[]) {
  const m = (pick: (s: ScrollSample) => number) => round(median(samples.map(pick)), 1);
  return {
    frameP95: m((s) => s.frameP95),
    frameP99: m((s) => s.frameP99),
    droppedPct: m((s) => s.droppedPct),
    longTasks: m((s) => s.longTasks),
    longTaskMs: m((s) => s.longTaskMs),
    maxTiles: Math.max(...samples.map((s) => s.maxTiles)),
    scrolled: m((s) => s.scrolled),
  };
}
