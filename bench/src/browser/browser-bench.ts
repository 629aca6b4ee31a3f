/**
 * `npm run bench -- browser [--scenario NAME]… [--files N] [--rounds N] [--contender ui|ui-nohash|ui-hashall|bare|bare-busy|uppy]… [--no-pin] [--report-only]`
 *
 * Our web app against a bare page (and Uppy's Dashboard, when installed) in one headless Chromium,
 * each picking the same generated JPEGs through its own file chooser and uploading them to a fresh
 * server until every photo is COMPLETED. Rounds are interleaved (the contenders take turns, their
 * order rotating), each run has a fresh user, each scenario a fresh server; the server and the
 * browser are pinned to different cores. Results: bench/results/browser.{json,md}.
 * `--files N` runs only a scenario's first N files; `bare-busy` is the bare page with the browser's
 * core kept busy (contenders.ts); BENCH_SERVER_PROFILE=<dir> writes a CPU profile of the server per
 * run (bench-server.ts). Beside the page's figures each run reports the server's CPU per photo
 * (server-threads.ts) and how the page kept its PUTs going (request-timeline.ts).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CHROMIUM, CHROMIUM_FLAGS } from "@rapidphoto/server/testing/chromium";
import { type Browser, chromium } from "playwright-core";
import {
  bareBusyContender,
  bareContender,
  type Contender,
  type ContenderName,
  uiContender,
  uiHashAllContender,
  uiNoHashContender,
  uppyContender,
} from "./contenders.js";
import { heapKinds, takeHeapSnapshot } from "./heap-snapshot.js";
import { type BatchSample, heapAfterGcMB, measureBatch, openContenderPage } from "./measure-run.js";
import { pinHere, SERVER_CPU } from "./pinning.js";
import { type BrowserResults, type RunRecord, writeReport } from "./report.js";
import { SCENARIOS, type Scenario, scenarioFiles } from "./scenarios.js";
import { type BenchServer, startBenchServer } from "./server-process.js";
import { warmUpServer } from "./server-warm-up.js";

export async function browserBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", multiple: true },
      files: { type: "string" },
      rounds: { type: "string" },
      contender: { type: "string", multiple: true },
      "no-pin": { type: "boolean", default: false },
      "report-only": { type: "boolean", default: false },
    },
  });
  if (values["report-only"]) {
    await writeReport(await readResults());
    return;
  }
  const scenarios = pickScenarios(values.scenario);
  const rounds = Number(values.rounds ?? 2);
  const pinning = values["no-pin"] ? null : await pinHere();
  const pin = pinning !== null;
  const contenders = await pickContenders(values.contender);
  const notes: string[] = [];
  if (!contenders.some((c) => c.name === "uppy") && !values.contender?.length) {
    notes.push("Uppy left out: its packages are not installed in bench/.");
  }
  if (!pin) notes.push("Server and browser not pinned to separate cores (--no-pin, or taskset/2 cores unavailable).");

  await ensureWebBuild();
  const results: BrowserResults = {
    at: new Date().toISOString(),
    rounds,
    pinned: pin,
    contenders: contenders.map((c) => c.name),
    scenarios: {},
    notes,
  };
  try {
    const executablePath = pinning ? await pinning.chromium() : CHROMIUM;
    for (const full of scenarios) {
      console.log(`\n## ${full.name}: generating files…`);
      const files = await scenarioFiles(full);
      // --files N: the scenario's first N files only (quicker runs while looking into something).
      const scenario = values.files ? { ...full, count: Math.min(full.count, Number(values.files)) } : full;
      const runs: RunRecord[] = [];
      const server = await startBenchServer(pinning ? SERVER_CPU : null);
      const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
      try {
        await warmUpServer(server, files);
        for (let round = 0; round < Math.min(rounds, scenario.maxRounds ?? rounds); round++) {
          // Rotate who goes first, so no contender always meets a warmer or more cluttered server.
          const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender);
          for (const contender of order) {
            const batches = await runContender(browser, server, contender, scenario, files);
            const record: RunRecord = { round, contender: contender.name, batches };
            runs.push(record);
            console.log(summaryLine(scenario, record));
          }
        }
      } finally {
        await browser.close();
        await server.close();
      }
      results.scenarios[scenario.name] = {
        files: scenario.count,
        bytes: scenario.bytes,
        batches: scenario.batches,
        runs,
      };
      // Written after every scenario, so a long run that is stopped keeps what it measured.
      await writeReport(results);
    }
  } finally {
    await pinning?.cleanup();
  }
}

async function runContender(
  browser: Browser,
  server: BenchServer,
  contender: Contender,
  scenario: Scenario,
  files: string[],
): Promise<BatchSample[]> {
  const { context, target, user } = await openContenderPage(browser, server, contender);
  try {
    const samples: BatchSample[] = [];
    if (scenario.batches > 1) samples.push({ files: 0, heapAfterGcMB: await heapAfterGcMB(target.cdp) });
    for (let batch = 0; batch < scenario.batches; batch++) {
      const batchFiles = files.slice(batch * scenario.count, (batch + 1) * scenario.count);
      const sample = await measureBatch(target, contender, server, user.userId, batchFiles, scenario.timeoutMs);
      samples.push(sample);
      if (sample.didNotFinish) break;
      // What the heap figure is made of, after the first batch and the last (a snapshot takes a few
      // seconds, outside every measured window; the heap figure above was read before it).
      if (scenario.batches > 1 && (batch === 0 || batch === scenario.batches - 1)) {
        const kinds = heapKinds(await takeHeapSnapshot(target.cdp));
        await target.cdp.send("HeapProfiler.disable"); // drops the profiler's object ids until the next one
        sample.heapCodeMB = kinds.code / 2 ** 20;
        sample.heapDataMB = kinds.data / 2 ** 20;
      }
    }
    return samples;
  } finally {
    await context.close();
  }
}

function summaryLine(scenario: Scenario, record: RunRecord): string {
  const last = record.batches.at(-1);
  if (!last || last.didNotFinish)
    return `${scenario.name} r${record.round} ${record.contender}: did not finish (${last?.didNotFinish})`;
  const f = (n: number | undefined) => (n === undefined ? "-" : Math.round(n));
  return (
    `${scenario.name} r${record.round} ${record.contender}: stored ${f(last.storedMs)} ms, completed ${f(last.serverCompletedMs)}` +
    ` (page ${f(last.uiCompletedMs)}), first byte ${f(last.firstByteMs)}, task ${f(last.taskMs)} script ${f(last.scriptMs)}` +
    ` (after stored ${f(last.taskAfterStoredMs)}), style ${f(last.styleMs)}/${last.recalcStyleCount} layout ${f(last.layoutMs)}/${last.layoutCount},` +
    ` long tasks ${last.longTasks} (max ${f(last.longestTaskMs)}), frame p95 ${f(last.frameP95Ms)}, heap ${last.heapAfterGcMB?.toFixed(1)} MB` +
    (last.hashMBps === undefined ? "" : `, hashing ${last.hashMBps.toFixed(0)} MB/s in the worker`) +
    `\n  server CPU per photo until stored: main ${last.serverMainMsPerPhoto?.toFixed(1)} ms, other ${last.serverOtherMsPerPhoto?.toFixed(1)} ms` +
    ` (${last.completedAtStored} COMPLETED by then), main after ${last.serverMainAfterMsPerPhoto?.toFixed(1)} ms;` +
    `\n  sending: PUTs started ${last.putsStarted?.toFixed(2)} (< 6 for ${((last.putsShortShare ?? 0) * 100).toFixed(0)}%),` +
    ` on a connection ${last.putsOnWire?.toFixed(2)}, other requests on one ${last.othersOnWire?.toFixed(2)}, PUT wait for one ${last.putQueuedMs?.toFixed(1)} ms` +
    `\n  API: ${Object.entries(last.apiByPath ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`
  );
}

function pickScenarios(names: string[] | undefined): Scenario[] {
  if (!names?.length) return SCENARIOS.filter((s) => !s.optIn);
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`unknown scenario ${name}: ${SCENARIOS.map((s) => s.name).join(", ")}`);
    return scenario;
  });
}

export async function pickContenders(names: string[] | undefined): Promise<Contender[]> {
  const wanted = (names?.length ? names.flatMap((n) => n.split(",")) : ["ui", "bare", "uppy"]) as ContenderName[];
  const picked: Contender[] = [];
  for (const name of wanted) {
    if (name === "ui") picked.push(uiContender);
    else if (name === "ui-nohash") picked.push(uiNoHashContender);
    else if (name === "ui-hashall") picked.push(uiHashAllContender);
    else if (name === "bare") picked.push(bareContender);
    else if (name === "bare-busy") picked.push(bareBusyContender);
    else if (name === "uppy") {
      const uppy = await uppyContender();
      if (uppy) picked.push(uppy);
      else if (names?.length) throw new Error("--contender uppy: the Uppy packages are not installed in bench/");
    } else throw new Error(`unknown contender ${name}: ui, ui-nohash, ui-hashall, bare, bare-busy, uppy`);
  }
  return picked;
}

/** scripts/build-web.mjs is plain JavaScript outside this tsconfig: loaded by path, typed here. */
export async function ensureWebBuild(): Promise<void> {
  const script = path.resolve(import.meta.dirname, "../../../scripts/build-web.mjs");
  const { ensureWebBuild: build } = (await import(script)) as { ensureWebBuild: () => Promise<unknown> };
  await build();
}

async function readResults(): Promise<BrowserResults> {
  const file = path.resolve(import.meta.dirname, "../../results/browser.json");
  return JSON.parse(await readFile(file, "utf8")) as BrowserResults;
}
