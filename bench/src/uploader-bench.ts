import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { DEFAULT_MAX_ACTIVE_FILES } from "../../packages/uploader/src/constants.js";
import { type BenchResult, median, round } from "./measure.js";
import { type BenchFile, baselineRun, engineRun, fetchPut, httpPut, type RunSample } from "./uploader-runs.js";
import { type ChildServer, startChildServer } from "./uploader-server.js";

const MB = 1_000_000;
const FILES = 100;
const FILE_BYTES = 2 * MB;
const TOTAL_MB = (FILES * FILE_BYTES) / MB;
/** Request limits measured, and rounds at each (a round runs every side once). */
const PLAN: { requests: number; rounds: number }[] = [
  { requests: 1, rounds: 3 },
  { requests: 2, rounds: 3 },
  { requests: 4, rounds: 3 },
  { requests: 6, rounds: 3 },
  { requests: 12, rounds: 3 },
  { requests: 24, rounds: 3 },
  { requests: 100, rounds: 3 },
];

/**
 * Files active at once for a request limit: twice the requests, so files spending a round trip
 * on finalize never leave a request slot idle, and never below the engine's default.
 */
const activeFilesFor = (requests: number) => Math.max(DEFAULT_MAX_ACTIVE_FILES, 2 * requests);

const SIDES = ["engine", "fetch", "http"] as const;
type Side = (typeof SIDES)[number];
type Round = Record<Side, RunSample>;

/**
 * The upload engine against plain parallel `fetch` PUTs of the same 100 × 2 MB to the same kind of
 * signed URLs (both create one job and finalize every file), at request limits 1 … 100; node:http
 * PUTs with the body in one write are a second, cheaper reference.
 */
export async function uploaderBench(): Promise<BenchResult> {
  const files: BenchFile[] = Array.from({ length: FILES }, (_, i) => ({
    name: `IMG_${String(i).padStart(4, "0")}.jpg`,
    bytes: randomBytes(FILE_BYTES),
  }));
  const server = await startChildServer();
  const loadBefore = loadavg()[0] as number;
  try {
    // Untimed: JIT, connection pools, the server's first queries.
    for (const side of SIDES) await runSide(server, files, side, 6);

    const results = new Map<number, Round[]>();
    for (const { requests, rounds } of PLAN) {
      const done: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        // Rotate which side goes first, so none always gets the warmer (or busier) machine.
        const row = {} as Round;
        for (let k = 0; k < SIDES.length; k++) {
          const side = SIDES[(k + r) % SIDES.length] as Side;
          row[side] = await runSide(server, files, side, requests);
        }
        done.push(row);
      }
      results.set(requests, done);
      const s = summarize(done);
      console.log(
        `${requests} in flight: engine ${ms(s.time.engine)}, fetch ${ms(s.time.fetch)}, node:http ${ms(s.time.http)}; ` +
          `ratio vs fetch ${round(s.ratioFetch)}, vs node:http ${round(s.ratioHttp)}; ` +
          `client CPU ms/MB engine ${round(s.cpu.engine)}, fetch ${round(s.cpu.fetch)}, node:http ${round(s.cpu.http)}`,
      );
    }
    const metrics = metricsOf(results);
    metrics["machine load average (1 min) at the start"] = {
      value: round(loadBefore, 1),
      unit: "load",
      note: `${round(loadavg()[0] as number, 1)} at the end, on ${cpuCount()} cores shared with other work: the higher it is, the noisier the wall-time ratios; CPU per MB is steadier`,
    };
    return { name: "uploader", metrics, notes: notes() };
  } finally {
    await server.close();
  }
}

async function runSide(server: ChildServer, files: BenchFile[], side: Side, requests: number): Promise<RunSample> {
  const sample =
    side === "engine"
      ? await engineRun(server, files, { maxRequests: requests, maxActiveFiles: activeFilesFor(requests) })
      : await baselineRun(server, files, requests, side === "fetch" ? fetchPut : httpPut);
  await server.dropObjects();
  return sample;
}

const cpuCount = () => availableParallelism();
const ms = (n: number) => `${Math.round(n)} ms`;

function summarize(rounds: Round[]) {
  const per = (f: (s: RunSample) => number) =>
    Object.fromEntries(SIDES.map((side) => [side, median(rounds.map((r) => f(r[side])))])) as Record<Side, number>;
  return {
    time: per((s) => s.ms),
    cpu: per((s) => s.clientCpuMs / TOTAL_MB),
    serverCpu: per((s) => (s.serverCpuMs ?? Number.NaN) / TOTAL_MB),
    ratioFetch: median(rounds.map((r) => r.fetch.ms / r.engine.ms)),
    ratioHttp: median(rounds.map((r) => r.http.ms / r.engine.ms)),
    cpuRatioFetch: median(rounds.map((r) => r.engine.clientCpuMs / r.fetch.clientCpuMs)),
    cpuRatioHttp: median(rounds.map((r) => r.engine.clientCpuMs / r.http.clientCpuMs)),
  };
}

function metricsOf(results: Map<number, Round[]>): BenchResult["metrics"] {
  const metrics: BenchResult["metrics"] = {};
  const summaries = [...results].map(([requests, rounds]) => ({ requests, rounds, s: summarize(rounds) }));
  const worst = (key: "ratioFetch" | "ratioHttp") =>
    summaries.reduce((a, b) => (b.s[key] < a.s[key] ? b : a), summaries[0] as (typeof summaries)[number]);
  metrics["lowest engine / fetch throughput ratio"] = {
    value: round(worst("ratioFetch").s.ratioFetch),
    unit: "×",
    note: `at ${worst("ratioFetch").requests} in flight; aim ≥ 0.95`,
  };
  metrics["lowest engine / node:http throughput ratio"] = {
    value: round(worst("ratioHttp").s.ratioHttp),
    unit: "×",
    note: `at ${worst("ratioHttp").requests} in flight`,
  };
  for (const { requests, rounds, s } of summaries) {
    const at = `${requests} in flight`;
    const mbps = (t: number) => `${Math.round(TOTAL_MB / (t / 1000))} MB/s`;
    metrics[`${at}: throughput ratio engine / fetch baseline`] = {
      value: round(s.ratioFetch),
      unit: "×",
      note: `median of ${rounds.length} per-round baseline_time / engine_time; aim ≥ 0.95`,
    };
    metrics[`${at}: throughput ratio engine / node:http reference`] = { value: round(s.ratioHttp), unit: "×" };
    metrics[`${at}: engine time (median)`] = {
      value: Math.round(s.time.engine),
      unit: "ms",
      note: `${mbps(s.time.engine)}; maxActiveFiles ${activeFilesFor(requests)}`,
    };
    metrics[`${at}: fetch baseline time (median)`] = {
      value: Math.round(s.time.fetch),
      unit: "ms",
      note: mbps(s.time.fetch),
    };
    metrics[`${at}: node:http reference time (median)`] = {
      value: Math.round(s.time.http),
      unit: "ms",
      note: mbps(s.time.http),
    };
    metrics[`${at}: client CPU per MB, engine`] = {
      value: round(s.cpu.engine),
      unit: "ms/MB",
      note: `${round(s.cpuRatioFetch)}× fetch's, ${round(s.cpuRatioHttp)}× node:http's (median of per-round ratios)`,
    };
    metrics[`${at}: client CPU per MB, fetch baseline`] = { value: round(s.cpu.fetch), unit: "ms/MB" };
    metrics[`${at}: client CPU per MB, node:http reference`] = { value: round(s.cpu.http), unit: "ms/MB" };
    metrics[`${at}: server CPU per MB, engine`] = {
      value: round(s.serverCpu.engine),
      unit: "ms/MB",
      note: `fetch ${round(s.serverCpu.fetch)}, node:http ${round(s.serverCpu.http)}`,
    };
  }
  return metrics;
}

function notes(): string[] {
  const rounds = PLAN.map((p) => `${p.requests}: ${p.rounds}`).join(", ");
  return [
    `${FILES} distinct files of ${FILE_BYTES / MB} MB (random bytes, generated once, held in memory; one PUT each since ≤ 5 MiB), ${TOTAL_MB} MB per run. "N in flight" = at most N PUTs at once on every side.`,
    "Server: the real one (`apps/server/src/main.ts --role=web`: embedded PGlite + disk storage, no processing worker) in a child process on loopback, so the bench process's CPU time is the client's alone; server CPU comes from /proc/<pid>/stat (10 ms resolution).",
    "Engine: `createUploader` + `createApiClient` + `createNodeTransport` on their defaults (500 ms progress reports, 64 KiB writes, zod-checked answers) with maxRequests = N and maxActiveFiles = max(10, 2N); `add` all files, `whenIdle`; every file must end PROCESSING.",
    "Baselines: one `POST /commands/upload-jobs` for the same files, PUTs of the same buffers to the signed URLs with at most N in flight, each file finalized (plain `fetch`) as soon as its PUT is answered, finalize holding no PUT slot as in the engine. The fetch baseline PUTs with global `fetch`; the node:http reference with `http.request` and the body in one `end()`, the cheapest PUT Node offers.",
    `Every round runs the three sides, rotating which goes first; rounds per request limit: ${rounds}, after one untimed warm-up of each side. Stored objects are deleted after every run (untimed).`,
    "Throughput ratio = baseline_time / engine_time within a round, median over rounds: 1.0 = the engine costs nothing in wall time, above 1 it is faster. Client CPU = process.cpuUsage() (user + system) over the run / 200 MB; the kernel's loopback send is a large, equal part of it on every side.",
  ];
}
