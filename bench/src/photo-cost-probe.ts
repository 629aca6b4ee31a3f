// Child process of the server benchmark: processes one photo file `runs` times through the real
// pipeline and prints what it cost, as one JSON line. A process of its own per format, because
// peak RSS (getrusage's maxrss) is a high-water mark for the whole process and cannot be reset.
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { configureSharp, createHeicDecoder, processImage } from "@rapidphoto/server/testing/bench";

const [file, runsArg, warmupFile] = process.argv.slice(2);
if (!file || !runsArg || !warmupFile)
  throw new Error("usage: photo-cost-probe.ts <photo> <runs> <small photo, same format>");

configureSharp();
const heic = createHeicDecoder();
const process1 = (bytes: Buffer) =>
  processImage({ read: async () => Readable.from([bytes]), expectedBytes: bytes.length, heic });

// Load every library (libvips codecs; for HEIC the decoder thread and its wasm) on a small photo of
// the same format, so the baseline is a warm, idle server process.
await process1(await readFile(warmupFile));
const bytes = await readFile(file);
const baselineRss = process.memoryUsage.rss();

const wallMs: number[] = [];
const cpuMs: number[] = [];
for (let i = 0; i < Number(runsArg); i++) {
  const cpu = process.cpuUsage(); // the whole process: libvips threads and the decoder thread included
  const start = performance.now();
  const result = await process1(bytes);
  wallMs.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  cpuMs.push((used.user + used.system) / 1000);
  if (result.width * result.height < 1) throw new Error("nothing decoded");
}
await heic.close();

console.log(
  JSON.stringify({
    bytes: bytes.length,
    wallMs,
    cpuMs,
    baselineRssMiB: baselineRss / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workersStarted: heic.workersStarted,
  }),
);
