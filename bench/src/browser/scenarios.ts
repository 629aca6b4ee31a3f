import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeTestJpeg } from "@rapidphoto/server/testing/jpeg";

export type Scenario = {
  name: string;
  /** Files per batch. */
  count: number;
  bytes: number;
  width: number;
  height: number;
  /** Batches uploaded one after another in one page (heap growth); 1 elsewhere. */
  batches: number;
  /** A run not finished by then is recorded as "did not finish". */
  timeoutMs: number;
  /** At most this many rounds whatever --rounds says (heap growth is measured within one page already). */
  maxRounds?: number;
  /** Only run when asked for by name. */
  optIn?: boolean;
  /**
   * Files of different sizes, within ± this share of `bytes` (0.25: 75–125 %), each size its own, as
   * photos from a camera are; 0: every file has exactly `bytes`.
   */
  sizeSpread?: number;
};

const MB = 1_000_000;
const KB = 1_000;

// Every scenario's files have sizes of their own within ± 25 % of its `bytes`, as a camera's photos do
// (one average, so the bytes sent are those of the name). Until perf log section 26 they were all
// exactly `bytes`, which no camera produces, and under which hashing only files that could be
// duplicates would hash every file (two files of one size could be equal).
const CAMERA_SPREAD = 0.25;

export const SCENARIOS: Scenario[] = [
  { name: "100x2MB", count: 100, bytes: 2 * MB, width: 1600, height: 1200, batches: 1, timeoutMs: 5 * 60_000 },
  { name: "1000x150KB", count: 1000, bytes: 150 * KB, width: 400, height: 300, batches: 1, timeoutMs: 6 * 60_000 },
  { name: "4x40MB", count: 4, bytes: 40 * MB, width: 4000, height: 3000, batches: 1, timeoutMs: 4 * 60_000 },
  {
    name: "heap-5x100",
    count: 100,
    bytes: 150 * KB,
    width: 400,
    height: 300,
    batches: 5,
    timeoutMs: 4 * 60_000,
    maxRounds: 1,
  },
  {
    name: "10000x20KB",
    count: 10_000,
    bytes: 20 * KB,
    width: 160,
    height: 120,
    batches: 1,
    // The server stores and thumbnails 10,000 photos on one core (it is pinned): ~10 minutes on a quiet
    // machine, several times that beside other work; the limit only catches a run that stopped moving.
    timeoutMs: 45 * 60_000,
    optIn: true,
  },
  {
    // 100x2MB with every file exactly 2,000,000 bytes, as the scenarios were before section 26: the
    // worst case for hashing only possible duplicates (every file shares its size, so all are hashed).
    name: "100x2MB-onesize",
    count: 100,
    bytes: 2 * MB,
    width: 1600,
    height: 1200,
    batches: 1,
    timeoutMs: 5 * 60_000,
    optIn: true,
    sizeSpread: 0,
  },
].map((scenario) => ({ sizeSpread: CAMERA_SPREAD, ...scenario }));

/** The size of file `index` of a scenario: its `bytes`, or spread over ± `sizeSpread`, distinct per file. */
export function fileBytes(scenario: Scenario, index: number): number {
  const spread = scenario.sizeSpread ?? 0;
  if (spread === 0) return scenario.bytes;
  // A fixed permutation of 0–999 (7,919 is prime to 1,000) spreads the sizes; + index keeps them distinct.
  const share = ((index * 7_919) % 1_000) / 1_000;
  return Math.round(scenario.bytes * (1 - spread + 2 * spread * share)) + index;
}

/**
 * Real JPEGs of the scenario's size (count × batches of them) in a temp folder kept between bench runs (generating 10,000
 * files takes a while); every file is distinct (the generator writes a random id into each).
 */
export async function scenarioFiles(scenario: Scenario): Promise<string[]> {
  const spread = scenario.sizeSpread ? `-spread${scenario.sizeSpread}` : "";
  const dir = path.join(tmpdir(), "rapidphoto-browser-bench-files", `${scenario.count}x${scenario.bytes}${spread}`);
  await mkdir(dir, { recursive: true });
  // Distinct files for every batch: the server answers files already in the library as duplicates.
  const total = scenario.count * scenario.batches;
  const names = Array.from({ length: total }, (_, i) => `photo-${String(i + 1).padStart(5, "0")}.jpg`);
  const present = new Set(await readdir(dir));
  for (const [index, name] of names.entries()) {
    if (present.has(name)) continue;
    const targetBytes = fileBytes(scenario, index);
    const bytes = await makeTestJpeg({ width: scenario.width, height: scenario.height, targetBytes });
    // Written under a temporary name first, so a killed run never leaves a short file behind.
    const file = path.join(dir, name);
    await writeFile(`${file}.part`, bytes);
    await rename(`${file}.part`, file);
  }
  return names.map((name) => path.join(dir, name));
}
