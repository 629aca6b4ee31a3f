import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export type Metric = { value: number; unit: string; note?: string };
export type BenchResult = { name: string; metrics: Record<string, Metric>; notes?: string[] };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs `fn` `runs` times after `warmup` untimed runs; returns each run's milliseconds. */
export async function timeRuns(runs: number, fn: () => Promise<unknown>, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const RESULTS_DIR = path.resolve(import.meta.dirname, "../results");

/** Writes one benchmark's numbers as JSON and a Markdown table, with the machine they came from. */
export async function saveResult(result: BenchResult): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const os = await import("node:os");
  const stamped = {
    ...result,
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
    },
  };
  await writeFile(path.join(RESULTS_DIR, `${result.name}.json`), `${JSON.stringify(stamped, null, 2)}\n`);
  const rows = Object.entries(result.metrics).map(([k, m]) => `| ${k} | ${m.value} | ${m.unit} | ${m.note ?? ""} |`);
  const md = [
    `# ${result.name}`,
    "",
    `Measured ${stamped.at} on ${stamped.machine.cpus} cores (${stamped.machine.cpuModel}), Node ${stamped.machine.node}.`,
    "",
    "| metric | value | unit | note |",
    "|---|---|---|---|",
    ...rows,
    "",
    ...(result.notes ?? []).map((n) => `- ${n}`),
    "",
  ].join("\n");
  await writeFile(path.join(RESULTS_DIR, `${result.name}.md`), md);
  console.log(md);
}
