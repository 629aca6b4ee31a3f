/**
 * `npm run bench -- browser-profile [--scenario NAME] [--mode cpu|trace|heap|alloc] [--contender ui|bare]
 *   [--reduced-motion] [--invalidations] [--gc-reasons] [--renders] [--no-pin] [--count N] [--young]
 *   [--long-over MS]`
 *
 * One upload through our UI, as the browser bench runs it (fresh server and user, the real file
 * chooser, until the page shows every photo COMPLETED), with the renderer recorded: a V8 CPU profile
 * (`--mode cpu`, the default), a Chromium trace of the main thread's timeline (`--mode trace`) or a
 * sampling allocation profile (`--mode alloc`, alloc-summary.ts: what the major GCs collected, or
 * with `--young` every byte allocated).
 * `--contender bare` records the bare page instead (until the server has every photo COMPLETED), to
 * tell the page's own rendering from what every page pays (the probe's rAF loop, the transfer).
 * `--renders` also counts React's commits and renders by component (apps/web/test/render-counter.ts).
 * `--reduced-motion` emulates prefers-reduced-motion; `--invalidations` adds Chromium's invalidation
 * tracking to the trace (what scheduled each style recalc, layout and paint; it costs time itself);
 * `--gc-reasons` adds V8's GC events and prints why each major GC started (gc-reasons.ts).
 * `--long-over MS` lists the trace's tasks over MS instead of 50 ms: the ones a slower core makes long.
 * The web app is built unminified for it (RAPIDPHOTO_WEB_UNMINIFIED, next.config.ts) so the profile
 * names our functions. Prints where the time went before and after the last byte was stored, and
 * writes the raw profile to .tmp/ for DevTools. `--mode heap` instead uploads the scenario's batches
 * one after another in one page (heap-5x100 by default) and prints what the heap holds after the
 * last batch that it did not after the first (heap-snapshot.ts). `--count N` uploads only the first N
 * files of the scenario (a 3,000-file selection of 10000x20KB's files shows the per-file shape of
 * 10,000 in a third of the time). Not a benchmark: figures are for
 * finding costs.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CHROMIUM, CHROMIUM_FLAGS } from "@rapidphoto/server/testing/chromium";
import { type CDPSession, chromium } from "playwright-core";
import { RENDER_COUNTER_SCRIPT, readCommits, summarizeCommits } from "../../../apps/web/test/render-counter.js";
import { startAlloc } from "./alloc-summary.js";
import { ensureWebBuild } from "./browser-bench.js";
import { bareContender, uiContender } from "./contenders.js";
import { GC_REASON_CATEGORIES } from "./gc-reasons.js";
import { diffSnapshots, takeHeapSnapshot } from "./heap-snapshot.js";
import { heapAfterGcMB, measureBatch, openContenderPage } from "./measure-run.js";
import { pinHere, SERVER_CPU } from "./pinning.js";
import { type ProfileNode, summarizeProfile, summarizeTrace, type TraceEvent } from "./profile-summary.js";
import { countPushFrames, formatPushFrames } from "./push-frames.js";
import { SCENARIOS, scenarioFiles } from "./scenarios.js";
import { startBenchServer } from "./server-process.js";

const OUT = path.resolve(import.meta.dirname, "../../../.tmp");
/** 0.5 ms: fine enough to see a push handler, coarse enough for a 2-minute run. */
const SAMPLING_US = 500;
const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute"];
const INVALIDATION_CATEGORY = "disabled-by-default-devtools.timeline.invalidationTracking";
/** What DevTools opens each recording as. */
const EXTENSION = { cpu: "cpuprofile", trace: "trace.json", alloc: "heapprofile" } as const;

export async function profileUi(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "1000x150KB" },
      mode: { type: "string", default: "cpu" },
      contender: { type: "string", default: "ui" },
      "reduced-motion": { type: "boolean", default: false },
      invalidations: { type: "boolean", default: false },
      "gc-reasons": { type: "boolean", default: false },
      renders: { type: "boolean", default: false },
      "no-pin": { type: "boolean", default: false },
      count: { type: "string" },
      young: { type: "boolean", default: false },
      "long-over": { type: "string" },
    },
  });
  const mode = (["trace", "heap", "alloc"] as const).find((m) => m === values.mode) ?? "cpu";
  const longOverMs = values["long-over"] === undefined ? undefined : Number(values["long-over"]);
  if (longOverMs !== undefined && !(longOverMs > 0))
    throw new Error(`--long-over wants milliseconds above 0, got ${values["long-over"]}`);
  const scenarioName = mode === "heap" && !argv.includes("--scenario") ? "heap-5x100" : values.scenario;
  const scenario = SCENARIOS.find((s) => s.name === scenarioName);
  if (!scenario) throw new Error(`unknown scenario ${scenarioName}`);
  const contender = values.contender === "bare" && mode !== "heap" ? bareContender : uiContender;
  process.env.RAPIDPHOTO_WEB_UNMINIFIED = "1";
  await ensureWebBuild();
  const all = await scenarioFiles(scenario);
  const files = all.slice(0, values.count ? Number(values.count) : scenario.count);
  const pin = values["no-pin"] ? null : await pinHere();
  const server = await startBenchServer(pin ? SERVER_CPU : null);
  const browser = await chromium.launch({
    executablePath: pin ? await pin.chromium() : CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const renders = values.renders && contender === uiContender;
    const { context, target, user } = await openContenderPage(
      browser,
      server,
      contender,
      renders ? [RENDER_COUNTER_SCRIPT] : [],
    );
    if (mode === "heap") {
      await heapRun(target, server, user.userId, all, scenario);
      await context.close();
      return;
    }
    const { page } = target;
    if (values["reduced-motion"]) await page.emulateMedia({ reducedMotion: "reduce" });
    if (contender.showsCompleted) {
      await page.evaluate((count) => {
        (globalThis as unknown as { __benchProbe: { expected: number } }).__benchProbe.expected = count;
      }, files.length);
    }
    const uiDone = target.uiDone();
    const watch = await server.arm(user.userId, files.length);
    const chooserShown = page.waitForEvent("filechooser");
    await contender.pick(page);
    const chooser = await chooserShown;

    const pushes = countPushFrames(target.cdp);
    const categories = [
      ...TRACE_CATEGORIES,
      ...(values.invalidations ? [INVALIDATION_CATEGORY] : []),
      ...(values["gc-reasons"] ? GC_REASON_CATEGORIES : []),
    ];
    const recorder =
      mode === "cpu"
        ? await startCpu(target.cdp)
        : mode === "alloc"
          ? await startAlloc(target.cdp, values.young)
          : await startTrace(target.cdp, categories, longOverMs);
    const startedAt = Date.now();
    await chooser.setFiles(files);
    const stored = await watch.stored;
    const finished = await watch.finished;
    const doneAt = contender.showsCompleted ? await uiDone : (finished.lastFinishedAt as number);
    const pushCounts = await pushes.stop();
    const storedAfterMs = (stored.lastStoredAt as number) - startedAt;
    const shown = contender.showsCompleted ? "page showed" : "server had";
    console.log(`stored after ${storedAfterMs} ms, ${shown} all COMPLETED after ${doneAt - startedAt} ms`);
    await mkdir(OUT, { recursive: true });
    const file = path.join(OUT, `${contender.name}-${scenario.name}.${EXTENSION[mode]}`);
    console.log(await recorder.stop(file, storedAfterMs));
    console.log(formatPushFrames(pushCounts, files.length));
    if (renders) console.log(summarizeCommits(await readCommits(page, startedAt), startedAt + storedAfterMs));
    console.log(`raw ${mode === "trace" ? "trace" : "profile"}: ${file}`);
    console.log(await layerReport(target.cdp));
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await pin?.cleanup();
  }
}

/** Every batch of the scenario in one page; snapshots after the first and the last, and what grew. */
async function heapRun(
  target: Awaited<ReturnType<typeof openContenderPage>>["target"],
  server: Awaited<ReturnType<typeof startBenchServer>>,
  userId: string,
  files: string[],
  scenario: (typeof SCENARIOS)[number],
): Promise<void> {
  console.log(`bare page heap after GC: ${(await heapAfterGcMB(target.cdp)).toFixed(2)} MB`);
  let first: Awaited<ReturnType<typeof takeHeapSnapshot>> | null = null;
  for (let batch = 0; batch < scenario.batches; batch++) {
    const batchFiles = files.slice(batch * scenario.count, (batch + 1) * scenario.count);
    const sample = await measureBatch(target, uiContender, server, userId, batchFiles, scenario.timeoutMs);
    if (sample.didNotFinish) throw new Error(`batch ${batch + 1}: ${sample.didNotFinish}`);
    console.log(`batch ${batch + 1}: heap after GC ${sample.heapAfterGcMB?.toFixed(2)} MB`);
    if (batch === 0) first = await takeHeapSnapshot(target.cdp);
  }
  if (!first) return;
  const last = await takeHeapSnapshot(target.cdp);
  await mkdir(OUT, { recursive: true });
  for (const [name, snapshot] of [
    ["first", first],
    ["last", last],
  ] as const)
    await writeFile(path.join(OUT, `ui-${scenario.name}-${name}.heapsnapshot`), JSON.stringify(snapshot));
  console.log(`heap after GC after the snapshots: ${(await heapAfterGcMB(target.cdp)).toFixed(2)} MB`);
  console.log(`\nafter batch ${scenario.batches} against after batch 1:\n${diffSnapshots(first, last)}`);
  console.log(`raw snapshots: ${path.join(OUT, `ui-${scenario.name}-{first,last}.heapsnapshot`)}`);
}

/**
 * The compositor's layers once the page is done, grouped by why each is a layer and by element:
 * every layer is a cost in each commit (the probe's rAF makes every frame a commit, in every page).
 */
async function layerReport(cdp: CDPSession): Promise<string> {
  type Layer = {
    layerId: string;
    backendNodeId?: number;
    drawsContent: boolean;
    paintCount: number;
    width: number;
    height: number;
  };
  const tree = new Promise<Layer[]>((resolve) =>
    cdp.on("LayerTree.layerTreeDidChange", (event) => event.layers && resolve(event.layers)),
  );
  await cdp.send("DOM.enable");
  await cdp.send("DOM.getDocument", { depth: 0 });
  await cdp.send("LayerTree.enable");
  const layers = await tree;
  const groups = new Map<string, { layers: number; paints: number; pixels: number }>();
  for (const layer of layers) {
    const { compositingReasonIds = [] } = await cdp
      .send("LayerTree.compositingReasons", { layerId: layer.layerId })
      .catch(() => ({ compositingReasonIds: [] as string[] }));
    let element = "(no element)";
    if (layer.backendNodeId) {
      const { node } = await cdp
        .send("DOM.describeNode", { backendNodeId: layer.backendNodeId })
        .catch(() => ({ node: null }));
      const at = node?.attributes?.indexOf("class") ?? -1;
      const className = at >= 0 ? (node?.attributes?.[at + 1] ?? "") : "";
      element = node ? `${node.nodeName.toLowerCase()}${className ? `.${className.slice(0, 50)}` : ""}` : element;
    }
    const key = `${compositingReasonIds.join("+") || "(root)"} · ${element}${layer.drawsContent ? "" : " (draws nothing)"}`;
    const group = groups.get(key) ?? { layers: 0, paints: 0, pixels: 0 };
    group.layers++;
    group.paints += layer.paintCount;
    group.pixels += layer.width * layer.height;
    groups.set(key, group);
  }
  await cdp.send("LayerTree.disable");
  const rows = [...groups].sort(([, a], [, b]) => b.layers - a.layers);
  return [
    `\ncompositor layers at the end: ${layers.length}`,
    " layers  paints    Mpx  why · element",
    ...rows.map(
      ([key, g]) =>
        `${String(g.layers).padStart(7)} ${String(g.paints).padStart(7)} ${(g.pixels / 1e6).toFixed(2).padStart(6)}  ${key}`,
    ),
  ].join("\n");
}

export type Recorder = { stop(file: string, splitAtMs: number): Promise<string> };

export async function startCpu(cdp: CDPSession): Promise<Recorder> {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
  await cdp.send("Profiler.start");
  return {
    async stop(file, splitAtMs) {
      const { profile } = await cdp.send("Profiler.stop");
      await writeFile(file, JSON.stringify(profile));
      return summarizeProfile(profile as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }, splitAtMs);
    },
  };
}

async function startTrace(cdp: CDPSession, categories: string[], longOverMs?: number): Promise<Recorder> {
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (data) => events.push(...(data.value as unknown as TraceEvent[])));
  await cdp.send("Tracing.start", {
    transferMode: "ReportEvents",
    traceConfig: { includedCategories: categories, excludedCategories: ["*"] },
  });
  return {
    async stop(file, splitAtMs) {
      const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
      await cdp.send("Tracing.end");
      await complete;
      await writeFile(file, JSON.stringify({ traceEvents: events }));
      return summarizeTrace(events, splitAtMs, longOverMs);
    },
  };
}
