/**
 * `npm run bench -- library-scroll [--photos N] [--rounds N] [--speed PX_PER_S] [--seconds S]`
 *
 * Scrolling a big library (10,000 photos by default) in headless Chromium at 1280 × 800: long tasks
 * and frame intervals while the page scrolls at a steady speed, the app's windowed grid against a
 * baseline in the same run — a bare page holding the same thumbnails as 10,000 plain <img> tiles
 * (lazy-loaded, no framework), scrolled the same way. Photos are seeded straight into the server's
 * database and storage. Results: bench/results/library-scroll.{json,md}.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import type { PhotoListResponse } from "@rapidphoto/protocol";
import { startTestServer } from "@rapidphoto/server/testing";
import { CHROMIUM, CHROMIUM_FLAGS } from "@rapidphoto/server/testing/chromium";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Metric, round, saveResult } from "../measure.js";
import { seedLibrary } from "./library-seed.js";
import { type ScrollSample, scrollAndMeasure, summarizeSamples } from "./scroll-probe.js";

const VIEWPORT = { width: 1280, height: 800 };
const LOAD_TIMEOUT_MS = 300_000;

export async function libraryScrollBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      photos: { type: "string" },
      rounds: { type: "string" },
      speed: { type: "string" },
      seconds: { type: "string" },
    },
  });
  const count = Number(values.photos ?? 10_000);
  const rounds = Number(values.rounds ?? 3);
  const speed = Number(values.speed ?? 6_000);
  const seconds = Number(values.seconds ?? 8);

  const script = path.resolve(import.meta.dirname, "../../../scripts/build-web.mjs");
  await ((await import(script)) as { ensureWebBuild: () => Promise<unknown> }).ensureWebBuild();

  const server = await startTestServer({ env: { LOG_LEVEL: "warn" } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  try {
    const user = await server.register();
    console.log(`seeding ${count} photos…`);
    await seedLibrary(server, user.userId, count);
    const thumbnails = await allThumbnails(server.url, user.token);
    const samples: Record<"app" | "bare", ScrollSample[]> = { app: [], bare: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = r % 2 === 0 ? (["app", "bare"] as const) : (["bare", "app"] as const);
      for (const contender of order) {
        const sample =
          contender === "app"
            ? await appRun(browser, server.url, user, count, speed, seconds)
            : await bareRun(browser, thumbnails, speed, seconds);
        samples[contender].push(sample);
        console.log(`round ${r + 1} ${contender}: ${JSON.stringify(sample)}`);
      }
    }
    await saveResult(report(count, speed, seconds, rounds, samples));
  } finally {
    await browser.close();
    await server.close();
  }
}

type User = { token: string; userId: string; email: string };

/** The app's library page with every page of photos loaded, then scrolled from the top. */
async function appRun(
  browser: Browser,
  url: string,
  user: User,
  count: number,
  speed: number,
  seconds: number,
): Promise<ScrollSample> {
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: url });
  const session = JSON.stringify({ ...user, expiresAt: Date.now() + 3_600_000 });
  await context.addInitScript({
    content: `localStorage.setItem("rapidphoto.session", ${JSON.stringify(session)});`,
  });
  try {
    const page = await context.newPage();
    await page.goto("/");
    await loadEveryPage(page, count);
    return await scrollAndMeasure(page, "#main", speed, seconds, '[data-testid="photo-tile"]');
  } finally {
    await context.close();
  }
}

/** Loads the whole library (page after page, as scrolling to the end does), unmeasured. */
async function loadEveryPage(page: Page, count: number): Promise<void> {
  const grid = page.getByTestId("photo-grid");
  await grid.waitFor({ timeout: LOAD_TIMEOUT_MS });
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  while (Number(await grid.getAttribute("data-count")) < count) {
    if (Date.now() > deadline) throw new Error(`only ${await grid.getAttribute("data-count")} of ${count} loaded`);
    await page.evaluate(`document.getElementById("main").scrollTo({ top: 1e9 })`);
    await page.waitForTimeout(100);
  }
  await page.evaluate(`document.getElementById("main").scrollTo({ top: 0 })`);
  // Let the top rows' thumbnails arrive so the window starts from a drawn screen.
  await page.waitForTimeout(1_000);
}

/** The baseline: the same thumbnails as plain lazy <img> tiles in a CSS grid, nothing windowed. */
async function bareRun(browser: Browser, thumbnails: string[], speed: number, seconds: number): Promise<ScrollSample> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const tiles = thumbnails
      .map((src) => `<li><img src="${src}" alt="" loading="lazy" decoding="async"></li>`)
      .join("");
    await page.setContent(
      `<!doctype html><style>
        html,body{margin:0;height:100%;background:#111}
        #main{height:100%;overflow-y:auto}
        ul{display:grid;grid-template-columns:repeat(7,1fr);gap:12px;list-style:none;margin:0;padding:24px}
        li{aspect-ratio:1;overflow:hidden;border-radius:8px;background:#222}
        img{width:100%;height:100%;object-fit:cover;display:block}
      </style><div id="main"><ul>${tiles}</ul></div>`,
      { waitUntil: "load", timeout: LOAD_TIMEOUT_MS },
    );
    await page.waitForTimeout(1_000);
    return await scrollAndMeasure(page, "#main", speed, seconds, "li");
  } finally {
    await context.close();
  }
}

/** Every photo's thumbnail URL, through the list API, newest taken first (the grid's order). */
async function allThumbnails(url: string, token: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ in: "library", sort: "taken", limit: "200" });
    if (cursor) query.set("cursor", cursor);
    const res = await fetch(`${url}/queries/photos?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`list: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as PhotoListResponse;
    for (const p of page.items) if (p.thumbnailUrl) out.push(p.thumbnailUrl);
    cursor = page.nextCursor ?? null;
  } while (cursor);
  return out;
}

function report(
  count: number,
  speed: number,
  seconds: number,
  rounds: number,
  samples: Record<"app" | "bare", ScrollSample[]>,
) {
  const app = summarizeSamples(samples.app);
  const bare = summarizeSamples(samples.bare);
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : Number.NaN);
  const metrics: Record<string, Metric> = {
    app_frame_p95_ms: { value: app.frameP95, unit: "ms", note: "median over rounds" },
    bare_frame_p95_ms: { value: bare.frameP95, unit: "ms", note: "baseline: plain <img> grid" },
    frame_p95_ratio: { value: ratio(app.frameP95, bare.frameP95), unit: "×", note: "app / baseline" },
    app_frame_p99_ms: { value: app.frameP99, unit: "ms" },
    bare_frame_p99_ms: { value: bare.frameP99, unit: "ms" },
    app_long_task_ms: { value: app.longTaskMs, unit: "ms", note: "sum of long tasks in the window" },
    bare_long_task_ms: { value: bare.longTaskMs, unit: "ms" },
    long_task_ratio: { value: ratio(app.longTaskMs, bare.longTaskMs), unit: "×", note: "app / baseline" },
    app_long_tasks: { value: app.longTasks, unit: "count" },
    bare_long_tasks: { value: bare.longTasks, unit: "count" },
    app_dropped_frame_pct: { value: app.droppedPct, unit: "%", note: "frame intervals over 1.5 × 16.7 ms" },
    bare_dropped_frame_pct: { value: bare.droppedPct, unit: "%" },
    app_max_tiles_in_dom: { value: app.maxTiles, unit: "tiles", note: `of ${count}` },
    bare_tiles_in_dom: { value: bare.maxTiles, unit: "tiles" },
    scrolled_px: { value: app.scrolled, unit: "px", note: `${speed} px/s for ${seconds} s` },
  };
  return {
    name: "library-scroll",
    metrics,
    notes: [
      `${count} photos seeded in the database and storage (one 256 × 192 JPEG thumbnail each, distinct URLs), all pages loaded before measuring; the server runs in the bench's process and serves the thumbnails during the window (the same for both).`,
      `Each round scrolls #main from the top at ${speed} px/s for ${seconds} s, driven by requestAnimationFrame in the page; ${rounds} rounds, app and baseline alternating first.`,
      `Baseline: the same ${count} thumbnails as lazy <img> tiles in a plain CSS grid (no framework, nothing windowed) in the same browser and run.`,
      "Headless Chromium with --disable-gpu: frames are rasterised on the CPU, so absolute numbers are worse than on a desktop; the ratio is the figure to watch.",
    ],
  };
}
