// `npm run bench [name…]`: runs the benchmarks (all, or those named) and writes bench/results/.
// `npm run bench -- browser [options]`: the browser benchmark (src/browser/browser-bench.ts).
// `npm run bench -- browser-profile [--scenario NAME] [--mode cpu|trace|heap] [--count N]`: one UI run recorded (CPU profile or trace).
// `npm run bench -- first-byte [--scenario NAME] [--files N] [--rounds N]`: selection -> first byte alone.
// `npm run bench -- store-scaling [--files 1000,3000,10000] [--flushes N]`: one store flush's script cost by selection size (Node).
// `npm run bench -- library-scroll [--photos N]`: scrolling a 10,000-photo library, against plain <img> tiles.
// `npm run bench -- reconnect [--trials N] [--outage S]`: the live connection back after an outage.
// `npm run bench -- part-urls [--rounds N] [--rtt MS]`: multipart items' own part URLs against asking for each (Node).
// `npm run bench -- heic`: 48 MP HEIC against JPEG (needs heif-enc once, to make its HEIC).
// `npm run bench -- load [--users N] [--files M] [--per-user K] [--backend embedded|postgres]…`:
// many users uploading at once (src/load-bench.ts); e.g. `--users 5 --files 20` for a quick try.
import { heicBench } from "./src/heic-bench.js";
import { saveResult } from "./src/measure.js";
import { realtimeBench } from "./src/realtime-bench.js";
import { serverBench } from "./src/server-bench.js";
import { uploaderBench } from "./src/uploader-bench.js";

const BENCHES: Record<string, () => Promise<import("./src/measure.js").BenchResult>> = {
  server: serverBench,
  realtime: realtimeBench,
  uploader: uploaderBench,
};
/** Run only when named: they need tools or minutes the others do not. */
const ON_REQUEST: Record<string, () => Promise<import("./src/measure.js").BenchResult>> = {
  heic: heicBench,
};

const wanted = process.argv.slice(2);
// The browser bench takes its own options and runs only when named (it takes ~15 minutes).
if (wanted[0] === "browser") {
  const { browserBench } = await import("./src/browser/browser-bench.js");
  await browserBench(wanted.slice(1));
  process.exit(0);
}
// One UI run with the renderer recorded, to find where its main-thread time goes (src/browser/profile-ui.ts).
if (wanted[0] === "browser-profile") {
  const { profileUi } = await import("./src/browser/profile-ui.js");
  await profileUi(wanted.slice(1));
  process.exit(0);
}
// Only selection -> first byte and the long tasks around it, several rounds in minutes (src/browser/first-byte.ts).
if (wanted[0] === "first-byte") {
  const { firstByteBench } = await import("./src/browser/first-byte.js");
  await firstByteBench(wanted.slice(1));
  process.exit(0);
}
// Scrolling a 10,000-photo library against plain <img> tiles (src/browser/library-scroll.ts).
if (wanted[0] === "library-scroll") {
  const { libraryScrollBench } = await import("./src/browser/library-scroll.js");
  await libraryScrollBench(wanted.slice(1));
  process.exit(0);
}
// How soon the page's live connection is back after an outage (src/browser/reconnect-bench.ts).
if (wanted[0] === "reconnect") {
  const { reconnectBench } = await import("./src/browser/reconnect-bench.js");
  await reconnectBench(wanted.slice(1));
  process.exit(0);
}
// What one store flush costs the page's script at 1,000 / 3,000 / 10,000 files, in Node
// (apps/web/test/store-scaling.ts: it runs the web app's modules, so it is type-checked with them).
if (wanted[0] === "store-scaling") {
  const where: string = "../apps/web/test/store-scaling.ts";
  const { storeScaling } = await import(where);
  await storeScaling(wanted.slice(1));
  process.exit(0);
}
// A multipart item's own part URLs against signing every part, over an added round trip
// (packages/uploader/test/part-urls-bench.ts: it runs on the engine's test harness).
if (wanted[0] === "part-urls") {
  const where: string = "../packages/uploader/test/part-urls-bench.ts";
  const { partUrlsBench } = await import(where);
  await saveResult(await partUrlsBench(wanted.slice(1)));
  process.exit(0);
}
// The load bench likewise: it takes options, and 50 × 100 photos on two backends takes a while.
if (wanted[0] === "load") {
  const { loadBench, parseLoadArgs } = await import("./src/load-bench.js");
  await saveResult(await loadBench(parseLoadArgs(wanted.slice(1))));
  process.exit(0);
}
for (const [name, bench] of Object.entries({ ...BENCHES, ...ON_REQUEST })) {
  if (wanted.length ? !wanted.includes(name) : name in ON_REQUEST) continue;
  console.log(`\n### ${name}`);
  await saveResult(await bench());
}
