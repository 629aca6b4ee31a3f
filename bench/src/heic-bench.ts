import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { IMAGE_FIXTURES } from "../../apps/server/testing/image-fixtures/catalogue.js";
import { type BenchResult, median, round } from "./measure.js";

const run = promisify(execFile);

/** An iPhone 15 Pro's 48 MP mode: 8064×6048; 8000×6000 is the same class, and even. */
const WIDTH = 8000;
const HEIGHT = 6000;
const RUNS = 3;
// Generated once per machine (the HEVC encode of 48 MP takes minutes on 2 busy cores); kept out of the repo.
const CACHE = path.join(os.tmpdir(), "rapidphoto-bench-48mp");
const FIXTURES = path.resolve(import.meta.dirname, "../../apps/server/testing/image-fixtures/files");

type ProbeResult = {
  bytes: number;
  wallMs: number[];
  cpuMs: number[];
  baselineRssMiB: number;
  peakRssMiB: number;
  workersStarted: number;
};

/**
 * The cost of a 48 MP HEIC against a JPEG of the same pixels: time per photo (wall and CPU, the
 * whole process including libvips' threads and the decoder thread) and peak RSS above a warm idle
 * process. Each format runs in a child process of its own (see photo-cost-probe.ts).
 */
export async function heicBench(): Promise<BenchResult> {
  const { jpeg, heic } = await sources();
  const probe = async (file: string, warmup: string): Promise<ProbeResult> => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "photo-cost-probe.ts"), file, String(RUNS), warmup],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ProbeResult;
  };
  const j = await probe(jpeg, path.join(FIXTURES, IMAGE_FIXTURES.jpeg.file));
  const h = await probe(heic, path.join(FIXTURES, IMAGE_FIXTURES.heic.file));
  const growth = (r: ProbeResult) => r.peakRssMiB - r.baselineRssMiB;
  const [load1] = os.loadavg();

  return {
    name: "heic",
    metrics: {
      "48 MP JPEG: wall per photo (median)": { value: round(median(j.wallMs) / 1000, 2), unit: "s" },
      "48 MP JPEG: CPU per photo (median)": { value: round(median(j.cpuMs) / 1000, 2), unit: "s" },
      "48 MP JPEG: peak RSS above idle": { value: Math.round(growth(j)), unit: "MiB" },
      "48 MP HEIC: wall per photo (median)": { value: round(median(h.wallMs) / 1000, 2), unit: "s" },
      "48 MP HEIC: CPU per photo (median)": { value: round(median(h.cpuMs) / 1000, 2), unit: "s" },
      "48 MP HEIC: peak RSS above idle": { value: Math.round(growth(h)), unit: "MiB" },
      "48 MP HEIC / JPEG CPU ratio": { value: round(median(h.cpuMs) / median(j.cpuMs), 1), unit: "×" },
      "48 MP HEIC / JPEG peak RSS ratio": { value: round(growth(h) / Math.max(1, growth(j)), 1), unit: "×" },
    },
    notes: [
      `48 MP: ${WIDTH}×${HEIGHT} blurred noise (photo-like detail), JPEG quality 90 (${mb(j.bytes)} MB) and HEIC by heif-enc quality 50 from it (${mb(h.bytes)} MB); ${RUNS} photos each, one after another, each format in a fresh process after a warm-up photo. Load average when measured: ${round(load1 ?? 0, 1)} on ${os.availableParallelism()} cores (wall times stretch with it; CPU times do not).`,
      "JPEG decodes shrink-on-load (libjpeg scales by 1/8 while decoding), so only ~1000 px ever exist in memory. HEIC has no such shortcut: libheif (WebAssembly, one thread) decodes all 48 MP to RGB, which sharp then resizes. The decoder thread is replaced after each such photo (its heap passes 256 MiB and a wasm heap never shrinks), so every 48 MP HEIC also pays the decoder thread's start (loading libheif's wasm, about a quarter of a second). Decodes are one at a time per process whatever WORKER_CONCURRENCY is, so this peak does not multiply with concurrency.",
    ],
  };
}

async function sources(): Promise<{ jpeg: string; heic: string }> {
  const jpeg = path.join(CACHE, "48mp.jpg");
  const heic = path.join(CACHE, "48mp.heic");
  if (existsSync(jpeg) && existsSync(heic)) return { jpeg, heic };
  try {
    execFileSync("heif-enc", ["--help"], { stdio: "ignore" });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    if (missing) throw new Error("the HEIC benchmark needs heif-enc (Debian: apt-get install libheif-examples)");
  }
  await mkdir(CACHE, { recursive: true });
  console.log("making the 48 MP JPEG and HEIC (once per machine; the HEVC encode takes a few minutes)…");
  const pixels = await sharp({
    create: {
      width: WIDTH,
      height: HEIGHT,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .blur(2)
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(jpeg, pixels);
  await run("heif-enc", ["--quality", "50", "-p", "preset=fast", "-o", heic, jpeg]);
  return { jpeg, heic };
}

const mb = (bytes: number) => round(bytes / 1e6, 1);
