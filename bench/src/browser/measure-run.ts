import path from "node:path";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import type { Contender } from "./contenders.js";
import { type ProbeReadout, probeScript } from "./page-probe.js";
import { type RequestTimeline, recordRequests } from "./request-timeline.js";
import type { ServerSeen } from "./server-ipc.js";
import type { BenchServer, BenchUser } from "./server-process.js";

const LONG_TASK_MS = 50;
/** Where a run that did not finish leaves its screenshot (.tmp/ is git-ignored). */
const SCREENSHOTS = path.resolve(import.meta.dirname, "../../../.tmp");

/** One batch's figures. Times are ms from the moment the files were handed to the chooser. */
export type BatchSample = {
  files: number;
  didNotFinish?: string;
  firstByteMs?: number;
  storedMs?: number;
  serverCompletedMs?: number;
  /** When the page showed every photo COMPLETED (our UI only). */
  uiCompletedMs?: number;
  /** uiCompletedMs − serverCompletedMs. */
  uiLagMs?: number;
  failed?: number;
  longTasks?: number;
  longestTaskMs?: number;
  frameP50Ms?: number;
  frameP95Ms?: number;
  frameMaxMs?: number;
  /** Renderer main-thread task time (CDP Performance.getMetrics TaskDuration) over the window. */
  taskMs?: number;
  scriptMs?: number;
  layoutMs?: number;
  styleMs?: number;
  /** Style recalcs and layouts over the window (CDP counts: steadier than durations on a loaded machine). */
  recalcStyleCount?: number;
  layoutCount?: number;
  /** Task time after the server had every photo's bytes, and its share of the time before. */
  taskAfterStoredMs?: number;
  afterStoredShare?: number;
  /** How long that "after" window lasted (wall ms): the wait for processing, to compare idle costs. */
  afterStoredWindowMs?: number;
  heapAfterGcMB?: number;
  /**
   * The same heap by kind, from a heap snapshot taken after the figures above (heap-5x100, after the
   * first and the last batch only): compiled code and feedback, and the page's data
   * (heap-snapshot.ts heapKinds).
   */
  heapCodeMB?: number;
  heapDataMB?: number;
  /** JSON API requests the page made (/commands, /queries), and the progress reports among them. */
  apiRequests?: number;
  progressReports?: number;
  /** SHA-256 throughput of the page's hashing worker over this batch (MB of files / worker time). */
  hashMBps?: number;
  /** The API requests by path (bench-server.ts). */
  apiByPath?: Record<string, number>;
  /**
   * Server CPU per photo until all were stored: its main thread (HTTP, database, pushes: what a
   * page's requests cost it) and its other threads (mostly processing the photos already stored).
   */
  serverMainMsPerPhoto?: number;
  serverOtherMsPerPhoto?: number;
  /** The server's main-thread CPU per photo after all were stored (processing's bookkeeping, pushes). */
  serverMainAfterMsPerPhoto?: number;
  /** Photos the server had COMPLETED by the time the last was stored. */
  completedAtStored?: number;
} & Partial<RequestTimeline>;

type Metrics = Record<string, number>;

/** A page opened for measuring: the CDP session and the callback the probe makes when the UI shows completion. */
export type MeasuredPage = { page: Page; cdp: CDPSession; uiDone: () => Promise<number> };

export async function measuredPage(page: Page): Promise<MeasuredPage> {
  let resolveDone: (at: number) => void = () => {};
  await page.exposeFunction("__benchUiDone", (at: number) => resolveDone(at));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  return {
    page,
    cdp,
    // Called before each batch: the next callback from the probe resolves this batch's promise.
    uiDone: () =>
      new Promise<number>((resolve) => {
        resolveDone = resolve;
      }),
  };
}

const SESSION_KEY = "rapidphoto.session";

/**
 * A fresh user signed in (the session the web app keeps in localStorage), the page probe installed
 * before load, the contender's page open and settled: what every measured run starts from. The
 * caller closes the context.
 */
export async function openContenderPage(
  browser: Browser,
  server: BenchServer,
  contender: Contender,
  /** More scripts to run before the page loads (browser-profile's render counter). */
  initScripts: readonly string[] = [],
): Promise<{ context: BrowserContext; target: MeasuredPage; user: BenchUser }> {
  const user = await server.register();
  const session = JSON.stringify({
    token: user.token,
    userId: user.userId,
    email: user.email,
    expiresAt: Date.now() + user.expiresIn * 1000,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript({ content: probeScript({ key: SESSION_KEY, value: session }) });
    for (const content of initScripts) await context.addInitScript({ content });
    const target = await measuredPage(await context.newPage());
    await contender.open(target.page, server.url);
    // Let the page settle after loading, so its start-up work stays out of the window.
    await target.page.waitForTimeout(1_000);
    return { context, target, user };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** The hashing worker's running totals, as the web app's worker hasher records them (worker-hasher.ts). */
async function hashing(page: Page): Promise<{ ms: number; bytes: number }> {
  const sum = await page.evaluate(
    () => (globalThis as { __rapidphotoHashing?: { ms: number; bytes: number } }).__rapidphotoHashing,
  );
  return sum ?? { ms: 0, bytes: 0 };
}

async function metrics(cdp: CDPSession): Promise<Metrics> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

export async function heapAfterGcMB(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return usedSize / 2 ** 20;
}

function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what}: not within the scenario's time limit`)),
      deadline - Date.now(),
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) : 0;

/**
 * Uploads `files` through the contender's own file chooser and measures the window from the
 * moment the files are handed over until every photo is COMPLETED (as the page shows it, for our
 * UI; as the server says, for the others). During the window the bench only listens: the server's
 * IPC, CDP metrics, the probe's callback.
 */
export async function measureBatch(
  target: MeasuredPage,
  contender: Contender,
  server: BenchServer,
  userId: string,
  files: string[],
  timeoutMs: number,
): Promise<BatchSample> {
  const { page, cdp } = target;
  const deadline = Date.now() + timeoutMs;
  if (contender.showsCompleted) {
    // The completed count the page shows covers every batch in it (heap-5x100 uploads five in one
    // page): this batch is done when it has grown by the batch's files. Waiting for the batch's
    // size alone ended batches 2-5 at once, before their first byte.
    await page.evaluate((count) => {
      const page = globalThis as unknown as {
        __benchProbe: { expected: number };
        document: { querySelector(selector: string): { textContent: string | null } | null };
      };
      const text = page.document.querySelector('[data-testid="upload-tab-count-completed"]')?.textContent ?? "";
      page.__benchProbe.expected = (Number(text.replace(/\D/g, "")) || 0) + count;
    }, files.length);
  }
  const uiDone = target.uiDone();
  const watch = await server.arm(userId, files.length);
  const chooserShown = page.waitForEvent("filechooser");
  await contender.pick(page);
  const chooser = await chooserShown;

  const requests = recordRequests(page, server.url);
  const hashBefore = await hashing(page);
  const before = await metrics(cdp);
  const selectedAt = Date.now();
  let storedSeen: ServerSeen | undefined;
  let afterStored: Metrics | undefined;
  try {
    await chooser.setFiles(files);
    storedSeen = await withDeadline(watch.stored, deadline, "all stored");
    afterStored = await metrics(cdp);
    const afterStoredAt = Date.now();
    const finished = await withDeadline(watch.finished, deadline, "all COMPLETED on the server");
    const uiAt = contender.showsCompleted
      ? await withDeadline(uiDone, deadline, "all COMPLETED in the page")
      : undefined;
    const after = await metrics(cdp);
    const afterStoredWindowMs = Date.now() - afterStoredAt;
    const endAt = uiAt ?? (finished.lastFinishedAt as number);
    const probe = (await page.evaluate(() =>
      (globalThis as unknown as { __benchRead: () => unknown }).__benchRead(),
    )) as ProbeReadout;
    const heap = await heapAfterGcMB(cdp);
    const timeline = requests.read();
    requests.stop();
    const hashAfter = await hashing(page);
    const hashMs = hashAfter.ms - hashBefore.ms;
    return {
      ...(hashMs > 0 ? { hashMBps: (hashAfter.bytes - hashBefore.bytes) / 1e6 / (hashMs / 1000) } : {}),
      files: files.length,
      ...serverFigures(finished, selectedAt, files.length),
      storedMs: (storedSeen.lastStoredAt as number) - selectedAt,
      ...(uiAt === undefined
        ? {}
        : { uiCompletedMs: uiAt - selectedAt, uiLagMs: uiAt - (finished.lastFinishedAt as number) }),
      ...pageFigures(probe, selectedAt, endAt),
      ...cdpFigures(before, afterStored, after),
      afterStoredWindowMs,
      heapAfterGcMB: heap,
      ...timeline,
    };
  } catch (error) {
    watch.disarm();
    requests.stop();
    const shown = await page
      .locator('[data-testid="upload-tab-count-completed"]')
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    await page.screenshot({ path: path.join(SCREENSHOTS, `did-not-finish-${contender.name}.png`) }).catch(() => {});
    return {
      files: files.length,
      didNotFinish: `${(error as Error).message}${shown === null ? "" : ` (the page showed ${shown} completed)`}`,
      ...(storedSeen ? { storedMs: (storedSeen.lastStoredAt as number) - selectedAt } : {}),
    };
  }
}

function serverFigures(seen: ServerSeen, selectedAt: number, files: number): Partial<BatchSample> {
  return {
    apiByPath: seen.apiByPath,
    ...(seen.cpuToStored && {
      serverMainMsPerPhoto: seen.cpuToStored.mainMs / files,
      serverOtherMsPerPhoto: seen.cpuToStored.otherMs / files,
    }),
    ...(seen.cpuAfterStored && { serverMainAfterMsPerPhoto: seen.cpuAfterStored.mainMs / files }),
    completedAtStored: seen.completedAtStored,
    firstByteMs: (seen.firstPutAt as number) - selectedAt,
    serverCompletedMs: (seen.lastFinishedAt as number) - selectedAt,
    failed: seen.failed,
    apiRequests: seen.apiRequests,
    progressReports: seen.progressReports,
  };
}

function pageFigures(probe: ProbeReadout, startAt: number, endAt: number): Partial<BatchSample> {
  const toPage = (epoch: number) => epoch - probe.timeOrigin;
  const [start, end] = [toPage(startAt), toPage(endAt)];
  const tasks = probe.longTasks.filter(
    ([at, duration]) => at + duration >= start && at <= end && duration > LONG_TASK_MS,
  );
  const inWindow = probe.frames.filter((t) => t >= start && t <= end);
  const intervals = inWindow.slice(1).map((t, i) => t - (inWindow[i] as number));
  intervals.sort((a, b) => a - b);
  return {
    longTasks: tasks.length,
    longestTaskMs: Math.max(0, ...tasks.map(([, d]) => d)),
    frameP50Ms: percentile(intervals, 50),
    frameP95Ms: percentile(intervals, 95),
    frameMaxMs: intervals.at(-1) ?? 0,
  };
}

function cdpFigures(before: Metrics, stored: Metrics, after: Metrics): Partial<BatchSample> {
  const delta = (name: string, from = before, to = after) => ((to[name] ?? 0) - (from[name] ?? 0)) * 1000;
  const upload = delta("TaskDuration", before, stored);
  const afterStored = delta("TaskDuration", stored, after);
  return {
    taskMs: delta("TaskDuration"),
    scriptMs: delta("ScriptDuration"),
    layoutMs: delta("LayoutDuration"),
    styleMs: delta("RecalcStyleDuration"),
    recalcStyleCount: (after.RecalcStyleCount ?? 0) - (before.RecalcStyleCount ?? 0),
    layoutCount: (after.LayoutCount ?? 0) - (before.LayoutCount ?? 0),
    taskAfterStoredMs: afterStored,
    afterStoredShare: upload > 0 ? afterStored / upload : 0,
  };
}
