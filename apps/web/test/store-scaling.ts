/**
 * `npm run bench -- store-scaling [--files 1000,3000,10000] [--flushes N]` (run from bench/run.ts; it
 * lives beside the web app's tests because it runs the web app's own modules).
 *
 * What one store flush costs the page's script at a given selection size, in Node, without a
 * browser: the engine's store writer applying a flush's writes (a few files moving on, six files'
 * bytes, the waiting order), then everything the page runs on that state — the panel's pieces
 * (local-panel.ts: rows, counts, batch statuses, totals), the live connection's keys (own and
 * active jobs, "sending"), the session's watch for photos entering the library, and persistence's
 * look for changes (StatePersistence against an IndexedDB stand-in that clones the record, as
 * IndexedDB's put does). Per flush in µs, by step, at each size: a step whose cost grows with the
 * selection rather than with the flush's writes shows up as a growing column. Not a benchmark of
 * the machine: compare the columns and sizes within one run.
 */
import { parseArgs } from "node:util";
import type { PhotoStatus } from "@rapidphoto/protocol";
import {
  createUploadStore,
  DEFAULT_PERSIST_DELAY_MS,
  type FileState,
  StatePersistence,
  type UploadStateDb,
} from "@rapidphoto/uploader";
import { fileState, StoreWriter } from "@rapidphoto/uploader/testing";
import { enteredLibrary } from "../src/features/uploads/state/library-entries";
import { activeLocalJobsKey, isSending, localPanel, ownJobsKey } from "../src/features/uploads/state/local-panel";

const JOB_SIZE = 1000;
/** Per flush while sending 20 KB files six at a time at 100 ms flushes: a few files start, a few are stored. */
const MOVES_PER_FLUSH = 5;
const IN_FLIGHT = 6;
const FLUSH_MS = 100;

type Step = "writer" | "panel" | "live keys" | "library watch" | "persistence";
const STEPS: Step[] = ["writer", "panel", "live keys", "library watch", "persistence"];

function file(i: number): FileState {
  return fileState(`f_${i.toString(36).padStart(6, "0")}`, {
    name: `photo-${i}.jpg`,
    bytesTotal: 20_000,
    jobId: `job_${Math.floor(i / JOB_SIZE)}`,
    photoId: `ph_${i}`,
  });
}

const NEXT: Partial<Record<PhotoStatus, PhotoStatus>> = {
  QUEUED: "UPLOADING",
  UPLOADING: "PROCESSING",
  PROCESSING: "COMPLETED",
};

async function run(count: number, flushes: number): Promise<Record<Step, number>> {
  const store = createUploadStore();
  const writer = new StoreWriter(store, () => {});
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = file(i);
    ids.push(f.id);
    writer.addFile(f);
  }
  writer.setRoot({ queue: ids.slice(0, JOB_SIZE) });
  writer.flush();
  const saved: unknown[] = [];
  const db: UploadStateDb = {
    async write(change) {
      saved.push(structuredClone([...change.chunks.values()])); // IndexedDB's put clones each record synchronously
      saved.length = 0;
    },
    async remove() {},
    async adoptOrphans() {
      return [];
    },
    close() {},
  };
  const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 1e9 });
  await persistence.flush();
  const hidden: ReadonlySet<string> = new Set();
  localPanel(store.getState(), hidden);
  const spent = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
  const time = (step: Step, fn: () => void) => {
    const t = performance.now();
    fn();
    spent[step] += performance.now() - t;
  };
  // Files move through the statuses in order, spread over the whole selection's life.
  let cursor = 0;
  let persistAt = 0;
  for (let flush = 0; flush < flushes; flush++) {
    const before = store.getState();
    time("writer", () => {
      for (let k = 0; k < MOVES_PER_FLUSH; k++) {
        const id = ids[(cursor + k * 7) % count] as string;
        const status = NEXT[writer.file(id)?.status ?? "COMPLETED"];
        if (status) writer.patchFile(id, { status });
      }
      for (let k = 0; k < IN_FLIGHT; k++)
        writer.patchProgress(ids[(cursor + k) % count] as string, { bytesSent: flush });
      writer.setRoot({ queue: ids.slice((cursor + IN_FLIGHT) % count, ((cursor + IN_FLIGHT) % count) + JOB_SIZE) });
      writer.flush();
    });
    cursor = (cursor + 1) % count;
    const state = store.getState();
    time("panel", () => localPanel(state, hidden));
    time("live keys", () => {
      ownJobsKey(state);
      activeLocalJobsKey(state);
      isSending(state);
    });
    time("library watch", () => enteredLibrary(state.files, before.files));
    // A flush every 100 ms (STORE_FLUSH_GAP_MS); persistence writes when its delay is up.
    if ((flush + 1) * FLUSH_MS >= persistAt) {
      persistAt = (flush + 1) * FLUSH_MS + DEFAULT_PERSIST_DELAY_MS;
      const t = performance.now();
      await persistence.flush();
      spent.persistence += performance.now() - t;
    }
  }
  await persistence.stop();
  for (const step of STEPS) spent[step] = (spent[step] / flushes) * 1000;
  return spent;
}

export async function storeScaling(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { files: { type: "string", default: "1000,3000,10000" }, flushes: { type: "string", default: "300" } },
  });
  const sizes = (values.files as string).split(",").map(Number);
  const flushes = Number(values.flushes);
  await run(Math.min(...sizes), 50); // warm the JIT
  console.log(`µs per flush (mean over ${flushes} flushes), by step`);
  console.log(`${"files".padStart(7)} ${STEPS.map((s) => s.padStart(14)).join("")} ${"all".padStart(10)}`);
  for (const count of sizes) {
    const spent = await run(count, flushes);
    const all = STEPS.reduce((sum, s) => sum + spent[s], 0);
    console.log(
      `${String(count).padStart(7)} ${STEPS.map((s) => spent[s].toFixed(0).padStart(14)).join("")} ${all.toFixed(0).padStart(10)}`,
    );
  }
}
