import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { configureSharp, createHeicDecoder, processImage } from "@rapidphoto/server/testing/bench";
import { makeTestJpeg } from "@rapidphoto/server/testing/jpeg";
import pLimit from "p-limit";
import { type BenchResult, type Metric, round } from "./measure.js";
import { startChildServer } from "./uploader-server.js";

/**
 * Many people uploading at once: N users, each creating one job of M small real JPEGs, sending
 * them (single PUTs) and finalizing each as soon as its bytes are in — all users at the same time,
 * through the HTTP API of a real server in its own process (role=all: the processing worker runs
 * beside the API, as `npm start` does). Once on the embedded defaults (PGlite + disk) and once on
 * PostgreSQL + Redis. Every request loop is bounded: each user keeps at most `perUser` requests in
 * flight (a browser's per-host limit), so at most N × perUser requests are open at once.
 */
export type LoadOptions = {
  users: number;
  files: number;
  perUser: number;
  backends: Backend[];
};
export type Backend = "embedded" | "postgres";

export const LOAD_DEFAULTS: LoadOptions = { users: 50, files: 100, perUser: 6, backends: ["embedded", "postgres"] };

/** `--users N --files M --per-user K --backend embedded|postgres` (repeatable); defaults above. */
export function parseLoadArgs(args: string[]): LoadOptions {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: "string" },
      files: { type: "string" },
      "per-user": { type: "string" },
      backend: { type: "string", multiple: true },
    },
  });
  const count = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${value}: expected a positive whole number`);
    return n;
  };
  const backends = values.backend ?? LOAD_DEFAULTS.backends;
  for (const b of backends)
    if (b !== "embedded" && b !== "postgres") throw new Error(`--backend ${b}: embedded or postgres`);
  return {
    users: count("users", values.users, LOAD_DEFAULTS.users),
    files: count("files", values.files, LOAD_DEFAULTS.files),
    perUser: count("per-user", values["per-user"], LOAD_DEFAULTS.perUser),
    backends: backends as Backend[],
  };
}

/** Small real photos: 800×600 noise JPEGs of ~150 kB (noise is the decoder's worst case). */
const PHOTO = { width: 800, height: 600, targetBytes: 150_000 };
/** Photos the bare pipeline processes to measure its rate (enough for a stable photos/s). */
const BARE_SAMPLE = 200;
const POLL_MS = 250;

type BackendRun = { metrics: Record<string, Metric>; notes: string[] };

export async function loadBench(options: LoadOptions = LOAD_DEFAULTS): Promise<BenchResult> {
  const bare = await bareRate(Math.min(BARE_SAMPLE, options.users * options.files));
  const metrics: Record<string, Metric> = {
    "bare pipeline throughput (same photos)": {
      value: round(bare.photosPerSecond, 1),
      unit: "photos/s",
      note: `processImage alone, ${bare.concurrency} at a time (the worker's default), ${bare.sample} photos`,
    },
  };
  const notes = [
    `${options.users} users × ${options.files} files of ~${PHOTO.targetBytes / 1000} kB (${PHOTO.width}×${PHOTO.height} noise JPEGs), all users at once; each user at most ${options.perUser} requests in flight; loopback only.`,
    "Server in its own process with --role=all (API + processing worker, worker concurrency = cores); the load generator is this process.",
    "Latencies are per request as the client saw them (queueing in the server included). Part signing is not used: every file is below the 5 MiB single-PUT limit.",
  ];
  for (const backend of options.backends) {
    const run = await runBackend(backend, options, bare.photosPerSecond);
    for (const [key, metric] of Object.entries(run.metrics)) metrics[`${label(backend)}: ${key}`] = metric;
    notes.push(...run.notes.map((n) => `${label(backend)}: ${n}`));
  }
  return { name: "load", metrics, notes };
}

const label = (backend: Backend) => (backend === "embedded" ? "PGlite + disk" : "PostgreSQL + Redis");

async function bareRate(sample: number): Promise<{ photosPerSecond: number; concurrency: number; sample: number }> {
  configureSharp();
  const os = await import("node:os");
  const concurrency = Math.max(1, os.availableParallelism());
  const heic = createHeicDecoder();
  try {
    const photos = await Promise.all(Array.from({ length: sample }, () => makeTestJpeg(PHOTO)));
    const limit = pLimit(concurrency);
    const started = performance.now();
    await Promise.all(
      photos.map((bytes) =>
        limit(() => processImage({ read: async () => Readable.from([bytes]), expectedBytes: bytes.length, heic })),
      ),
    );
    return { photosPerSecond: sample / ((performance.now() - started) / 1000), concurrency, sample };
  } finally {
    await heic.close();
  }
}

async function runBackend(backend: Backend, options: LoadOptions, bareRate: number): Promise<BackendRun> {
  const env: Record<string, string> = {};
  let drop: (() => Promise<void>) | null = null;
  if (backend === "postgres") {
    const { createTempPostgresDatabase, REDIS_TEST_URL } = await import("@rapidphoto/server/testing");
    const db = await createTempPostgresDatabase();
    drop = db.drop;
    env.DATABASE_URL = db.url;
    env.REDIS_URL = REDIS_TEST_URL;
  }
  const server = await startChildServer({ role: "all", env });
  try {
    const api = client(server.url);
    const register = pLimit(8);
    const users = await Promise.all(
      Array.from({ length: options.users }, (_, u) =>
        register(async () => {
          const res = await api.call("POST", "/api/auth/register", null, {
            email: `load-${u}@example.com`,
            password: "load benchmark password",
          });
          return (res as { token: string }).token;
        }),
      ),
    );
    const rssSamples: number[] = [];
    const sampling = sampleRss(server, rssSamples);
    const timings = { createJob: [] as number[], put: [] as number[], finalize: [] as number[] };
    const errors = new Map<string, number>();
    const failed = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
    let firstFinalize = Number.POSITIVE_INFINITY;
    let lastFinalize = 0;

    // Every photo has exactly the target size (padded), so a job can be created before its photos
    // exist; each is made just before its PUT (a copy of a cached template with its own bytes).
    const size = (await makeTestJpeg(PHOTO)).length;
    const started = performance.now();
    const jobIds = await Promise.all(
      users.map(async (token, u) => {
        const limit = pLimit(options.perUser);
        const files = Array.from({ length: options.files }, (_, i) => ({
          filename: `u${u}-${i}.jpg`,
          mimeType: "image/jpeg",
          bytes: size,
          clientId: `c${i}`,
        }));
        const job = (await limit(() =>
          api.timed(timings.createJob, "POST", "/commands/upload-jobs", token, { files }),
        )) as { jobId: string; items: { photoId: string; url: string; headers?: Record<string, string> }[] };
        await Promise.all(
          job.items.map((item) =>
            limit(async () => {
              try {
                const bytes = await makeTestJpeg(PHOTO);
                await api.put(timings.put, item.url, item.headers ?? {}, bytes);
                const at = performance.now();
                firstFinalize = Math.min(firstFinalize, at);
                await api.timed(timings.finalize, "POST", `/commands/upload/${item.photoId}/finalize`, token, {});
                lastFinalize = Math.max(lastFinalize, performance.now());
              } catch (error) {
                failed((error as Error).message.split(":")[0] ?? "request");
              }
            }),
          ),
        );
        return { token, jobId: job.jobId };
      }),
    );
    const uploadedMs = performance.now() - started;

    // Every job to a final state: one poll per unfinished job per round, a few at a time.
    const poll = pLimit(8);
    let open = [...jobIds];
    let completed = 0;
    let failedPhotos = 0;
    while (open.length > 0) {
      const views = await Promise.all(
        open.map((j) =>
          poll(async () => ({
            j,
            view: (await api.call("GET", `/queries/upload-jobs/${j.jobId}`, j.token)) as {
              completedCount: number;
              failedCount: number;
              totalCount: number;
            },
          })),
        ),
      );
      const still: typeof open = [];
      for (const { j, view } of views) {
        if (view.completedCount + view.failedCount < view.totalCount) still.push(j);
        else {
          completed += view.completedCount;
          failedPhotos += view.failedCount;
        }
      }
      open = still;
      if (open.length > 0) await sleep(POLL_MS);
    }
    const doneAt = performance.now();
    sampling.stop();
    const peakRss = Math.max(...rssSamples, (await server.peakRssMiB()) ?? 0);

    const total = options.users * options.files;
    const processingRate = completed / ((doneAt - firstFinalize) / 1000);
    const ms = (values: number[], p: number) => round(percentile(values, p), 1);
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    return {
      metrics: {
        "create job p50": { value: ms(timings.createJob, 50), unit: "ms", note: `${options.files} files per job` },
        "create job p99": { value: ms(timings.createJob, 99), unit: "ms" },
        "PUT p50": { value: ms(timings.put, 50), unit: "ms" },
        "PUT p99": { value: ms(timings.put, 99), unit: "ms" },
        "finalize p50": { value: ms(timings.finalize, 50), unit: "ms" },
        "finalize p99": { value: ms(timings.finalize, 99), unit: "ms" },
        "all bytes sent and finalized": { value: round(uploadedMs / 1000, 1), unit: "s" },
        "start → all COMPLETED": { value: round((doneAt - started) / 1000, 1), unit: "s", note: `${total} photos` },
        "last finalize → all COMPLETED": { value: round((doneAt - lastFinalize) / 1000, 1), unit: "s" },
        "processing throughput (first finalize → all COMPLETED)": { value: round(processingRate, 1), unit: "photos/s" },
        "processing / bare pipeline throughput": { value: round(processingRate / bareRate, 2), unit: "×" },
        "server RSS peak": { value: round(peakRss, 0), unit: "MiB" },
        "request errors": { value: errorCount, unit: "requests" },
        "photos not COMPLETED": { value: total - completed, unit: "photos", note: `${failedPhotos} FAILED` },
      },
      notes: errorCount ? [`errors: ${JSON.stringify(Object.fromEntries(errors))}`] : [],
    };
  } finally {
    await server.close();
    await drop?.();
  }
}

/** JSON API calls and storage PUTs with Node's fetch; a non-2xx answer throws "<what> <status>: <body>". */
function client(base: string) {
  const call = async (method: "GET" | "POST", path: string, token: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${method} ${path.split("/").slice(0, 3).join("/")} ${res.status}: ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  };
  return {
    call,
    async timed(into: number[], method: "GET" | "POST", path: string, token: string, body?: unknown) {
      const started = performance.now();
      const result = await call(method, path, token, body);
      into.push(performance.now() - started);
      return result;
    },
    async put(into: number[], url: string, headers: Record<string, string>, bytes: Buffer) {
      const started = performance.now();
      const res = await fetch(url, { method: "PUT", headers, body: bytes });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`PUT storage ${res.status}`);
      into.push(performance.now() - started);
    },
  };
}

/** Samples the server's resident set every half second, until stopped. */
function sampleRss(server: { rssMiB(): Promise<number | null> }, into: number[]) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const rss = await server.rssMiB();
      if (rss !== null) into.push(rss);
      await sleep(500);
    }
  })();
  return {
    stop() {
      running = false;
      return loop;
    },
  };
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
