/**
 * `npm run bench -- first-byte [--scenario NAME] [--files N] [--rounds N] [--contender ui|ui-nohash|ui-hashall|bare]… [--settle MS] [--profile] [--no-pin]`
 *
 * Only the start of an upload: the same selection through each contender's own file chooser as the
 * browser bench makes it (fresh user per run, one fresh server, contenders interleaved), measured
 * from the moment the files are handed over until the server sees the first storage PUT, and the
 * page's long tasks (> 50 ms) until then and until `--settle` ms after it (adding a large selection
 * happens there). The upload is then abandoned (the page is closed). Minutes instead of the full
 * bench's quarter hour, for choosing how a selection is added; the full bench stays the reference.
 * `--profile`: a V8 CPU profile of each UI run's window (web app built unminified), split at the
 * first byte, printed and written to .tmp/.
 */
import { mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CHROMIUM, CHROMIUM_FLAGS } from "@rapidphoto/server/testing/chromium";
import { chromium } from "playwright-core";
import { pickContenders } from "./browser-bench.js";
import type { Contender } from "./contenders.js";
import { openContenderPage } from "./measure-run.js";
import type { ProbeReadout } from "./page-probe.js";
import { pinHere, SERVER_CPU } from "./pinning.js";
import { startCpu } from "./profile-ui.js";
import { SCENARIOS, scenarioFiles } from "./scenarios.js";
import { startBenchServer } from "./server-process.js";
import { warmUpServer } from "./server-warm-up.js";

const LONG_TASK_MS = 50;
const OUT = path.resolve(import.meta.dirname, "../../../.tmp");

type Sample = {
  firstByteMs: number;
  longBefore: number;
  longAfter: number;
  longestMs: number;
  /** What the UI's summary said was still being added at the end of the window ("" when nothing). */
  stillAdding: string;
};

export async function firstByteBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", default: "1000x150KB" },
      files: { type: "string" },
      rounds: { type: "string", default: "3" },
      contender: { type: "string", multiple: true },
      settle: { type: "string", default: "3000" },
      "no-pin": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
    },
  });
  if (values.profile) process.env.RAPIDPHOTO_WEB_UNMINIFIED = "1";
  const scenario = SCENARIOS.find((s) => s.name === values.scenario);
  if (!scenario) throw new Error(`unknown scenario ${values.scenario}`);
  const all = await scenarioFiles(scenario);
  const files = all.slice(0, Number(values.files ?? scenario.count));
  const contenders = await pickContenders(values.contender?.length ? values.contender : ["ui", "bare"]);
  const settleMs = Number(values.settle);
  const { ensureWebBuild } = await import("./browser-bench.js");
  await ensureWebBuild();
  const pin = values["no-pin"] ? null : await pinHere();
  const browser = await chromium.launch({
    executablePath: pin ? await pin.chromium() : CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender);
      for (const contender of order) {
        // A fresh, warmed-up server per run: the photos an abandoned run stored are still being
        // processed on the server's core, which would slow the next run's job creation.
        const server = await startBenchServer(pin ? SERVER_CPU : null);
        try {
          await warmUpServer(server, files);
          const profile = values.profile && contender.name.startsWith("ui") ? `${scenario.name}-${round}` : null;
          const sample = await measureStart(browser, server, contender, files, settleMs, profile);
          samples.get(contender.name)!.push(sample);
          console.log(
            `${scenario.name} ${files.length} files, round ${round + 1}, ${contender.name}: first byte ${sample.firstByteMs} ms, ` +
              `long tasks ${sample.longBefore} before it, ${sample.longAfter} in the ${settleMs} ms after (longest ${Math.round(sample.longestMs)} ms), load ${loadavg()[0]!.toFixed(1)}` +
              (sample.stillAdding ? `; at the end the panel still said "${sample.stillAdding}"` : ""),
          );
        } finally {
          await server.close();
        }
      }
    }
  } finally {
    await browser.close();
    await pin?.cleanup();
  }
  for (const [name, list] of samples) {
    const sorted = list.map((s) => s.firstByteMs).sort((a, b) => a - b);
    console.log(`${name}: first byte median ${sorted[Math.floor(sorted.length / 2)]} ms (all: ${sorted.join(", ")})`);
  }
}

async function measureStart(
  browser: import("playwright-core").Browser,
  server: Awaited<ReturnType<typeof startBenchServer>>,
  contender: Contender,
  files: string[],
  settleMs: number,
  profile: string | null,
): Promise<Sample> {
  const { context, target, user } = await openContenderPage(browser, server, contender);
  try {
    const { page } = target;
    const watch = await server.arm(user.userId, files.length);
    // Never awaited here: the server closes before they could resolve.
    watch.stored.catch(() => {});
    watch.finished.catch(() => {});
    const chooserShown = page.waitForEvent("filechooser");
    await contender.pick(page);
    const chooser = await chooserShown;
    const recorder = profile ? await startCpu(target.cdp) : null;
    const selectedAt = Date.now();
    await chooser.setFiles(files);
    const firstPutAt = await watch.firstPut;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstPutAt + settleMs - Date.now())));
    watch.disarm();
    if (recorder) {
      await mkdir(OUT, { recursive: true });
      const file = path.join(OUT, `first-byte-${profile}.cpuprofile`);
      console.log(`profile, split at the first byte (${firstPutAt - selectedAt} ms):`);
      console.log(await recorder.stop(file, firstPutAt - selectedAt));
      console.log(`raw profile: ${file}`);
    }
    const probe = (await page.evaluate(() =>
      (globalThis as unknown as { __benchRead: () => unknown }).__benchRead(),
    )) as ProbeReadout;
    const stillAdding = contender.name.startsWith("ui")
      ? (
          (await page
            .getByTestId("upload-adding")
            .textContent({ timeout: 500 })
            .catch(() => "")) ?? ""
        ).trim()
      : "";
    const toPage = (epoch: number) => epoch - probe.timeOrigin;
    const [start, first, end] = [toPage(selectedAt), toPage(firstPutAt), toPage(firstPutAt + settleMs)];
    const long = probe.longTasks.filter(([at, d]) => d > LONG_TASK_MS && at + d >= start && at <= end);
    return {
      firstByteMs: firstPutAt - selectedAt,
      longBefore: long.filter(([at]) => at <= first).length,
      longAfter: long.filter(([at]) => at > first).length,
      longestMs: Math.max(0, ...long.map(([, d]) => d)),
      stillAdding,
    };
  } finally {
    await context.close();
  }
}
