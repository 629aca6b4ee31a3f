import { DEFAULT_ADD_SLICES, defaultTaskScheduler, type PendingAdd, SlicedAdds } from "./add-slices.js";
import { systemClock } from "./clock.js";
import { type EngineParts, fail } from "./file-lifecycle.js";
import {
  createRecord,
  type FileRecord,
  initialFileState,
  newClientId,
  releaseSource,
  validateSource,
} from "./file-record.js";
import type { UploadSource } from "./source.js";
import type { UploaderOptions } from "./uploader.js";

/**
 * How added files reach their jobs: recorded in slices (add-slices.ts), held back until `start()`
 * while the engine is not started, then hashed first (hash-pipeline.ts) or handed to the job
 * registrar. The engine's `add`, `finishAdding` and `start`, and the way in for files registered
 * again (a retry, a reattach).
 */
export class FileIntake {
  readonly #p: EngineParts;
  /** The selections still being added, slice by slice. */
  readonly adds: SlicedAdds;
  #started: boolean;
  readonly #unstarted: FileRecord[] = [];
  /** Files recorded in the current slice, registered when it ends. */
  readonly #recorded: FileRecord[] = [];

  constructor(parts: EngineParts, o: Pick<UploaderOptions, "autoStart" | "addSlices" | "taskScheduler" | "clock">) {
    this.#p = parts;
    this.#started = o.autoStart ?? true;
    const { writer, idle } = parts;
    this.adds = new SlicedAdds({
      policy: { ...DEFAULT_ADD_SLICES, ...o.addSlices },
      schedule: o.taskScheduler ?? defaultTaskScheduler(),
      clock: o.clock ?? systemClock,
      record: (add, from, to) => this.#record(add, from, to),
      changed: (adding) => {
        writer.setRoot({ adding });
        // The slice's files go to registration (or hashing) together, so a job is never made of
        // the first few files of a slice; then a job the registrar held back for the rest may go.
        this.register(this.#recorded.splice(0));
        parts.jobs.pump();
      },
      busy: (delta) => {
        idle.registrations += delta;
        idle.check();
      },
    });
  }

  add(sources: readonly UploadSource[], options: { priority?: number } = {}): string[] {
    // Ids for every file now (the caller tracks the batch by them); the files themselves are
    // recorded in slices (add-slices.ts): reading a File's size the first time is what costs.
    const ids = sources.map(() => newClientId());
    const add: PendingAdd = {
      batchId: newClientId("b"),
      priority: options.priority ?? 0,
      addedAt: Date.now(),
      sources,
      ids,
      next: 0,
      paused: false,
    };
    this.adds.add(add);
    return ids;
  }

  finishAdding(options: { register?: boolean } = {}): void {
    // The page is going: a job created now would be answered to no one, and the next page could not
    // match its photos to the files it saved. Everything waits for start() instead (a page that
    // comes back from the back/forward cache).
    if (options.register === false) this.#started = false;
    this.adds.finish();
    this.#p.writer.flush();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.register(this.#unstarted.splice(0));
  }

  /** Files to register (or hash first): now, or at `start()` while the engine is not started. */
  register(records: FileRecord[]): void {
    if (records.length === 0) return;
    if (!this.#started) {
      this.#unstarted.push(...records);
      return;
    }
    const { hashing, jobs, writer } = this.#p;
    // A retried file already has its hash (or none could be read): it is registered at once.
    const unhashed = hashing ? records.filter((r) => writer.file(r.id)?.sha256 === null) : [];
    if (unhashed.length > 0) hashing?.add(unhashed);
    jobs.add(unhashed.length > 0 ? records.filter((r) => writer.file(r.id)?.sha256 !== null) : records);
  }

  /** A record for a file whose bytes the engine sends: its progress goes to the store, the meter and the reports. */
  newRecord(source: UploadSource | null, restored?: { id: string; size: number }, id?: string): FileRecord {
    const p = this.#p;
    return createRecord(
      source,
      (r, delta, live) => {
        if (live) p.meter.add(delta);
        const sent = r.progress.sent;
        p.writer.patchProgress(r.id, { bytesSent: sent });
        const plan = r.upload;
        if (plan && !r.finalizing) p.reporter?.update(plan.jobId, plan.photoId, sent, r.progress.total);
      },
      restored,
      id,
    );
  }

  /** Records `add.sources[from…to)`: their records and store rows; registered when the slice ends. */
  #record(add: PendingAdd, from: number, to: number): void {
    const batch = { priority: add.priority, batchId: add.batchId, addedAt: add.addedAt };
    const valid: FileRecord[] = [];
    for (let i = from; i < to; i++) {
      const source = add.sources[i]!;
      const r = this.newRecord(source, undefined, add.ids[i]);
      this.#p.records.set(r.id, r);
      const state = initialFileState(r.id, source, batch);
      if (add.paused) state.paused = true;
      this.#p.writer.addFile(state);
      const invalid = validateSource(source);
      if (!invalid) valid.push(r);
      else {
        fail(this.#p, r, invalid);
        releaseSource(r); // a retry cannot fix the file itself
      }
    }
    this.#recorded.push(...valid);
  }
}
