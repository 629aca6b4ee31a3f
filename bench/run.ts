// `npm run bench [name…]`: runs the benchmarks (all, or those named) and writes bench/results/.
import { saveResult } from "./src/measure.js";
import { realtimeBench } from "./src/realtime-bench.js";
import { serverBench } from "./src/server-bench.js";
import { uploaderBench } from "./src/uploader-bench.js";

const BENCHES: Record<string, () => Promise<import("./src/measure.js").BenchResult>> = {
  server: serverBench,
  realtime: realtimeBench,
  uploader: uploaderBench,
};

const wanted = process.argv.slice(2);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n### ${name}`);
  await saveResult(await bench());
}
