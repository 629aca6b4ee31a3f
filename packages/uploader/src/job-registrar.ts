import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { ApiError } from "./errors.js";
import type { FileRecord } from "./file-record.js";
import type { FileState } from "./store.js";

/**
 * Turns added files into server jobs, a job at a time and just in time. Creating a job signs a URL
 * for every file in it and starts the server's two-minute sender lease, so a selection of 10,000
 * files is not registered up front: the first job (up to the server's per-job limit) is created at
 * once, the next one when fewer than `ahead` registered files are left waiting in the queue, and
 * so on while the queue drains. Files added together stay one batch however many jobs carry them.
 */

export type RegistrarDeps = {
  /** Registers one job's files and queues them (file-lifecycle.ts registerChunk). */
  register(chunk: FileRecord[]): Promise<void>;
  /** Registered files waiting to start. */
  waiting(): number;
  /** More files of a selection are still being added (add-slices.ts). */
  adding(): boolean;
  file(r: FileRecord): FileState | undefined;
  /** Counts a registration in flight, so `whenIdle` waits for it and for what follows from it. */
  busy(delta: 1 | -1): void;
};

export type RegistrarOptions = { maxFiles?: number; ahead: number };

export class JobRegistrar {
  /** Files added but not registered yet, in the order added. */
  #backlog: FileRecord[] = [];
  #registering = false;
  /** Files per job: the protocol's limit, or the lower one a server answered with. */
  #maxFiles: number;
  readonly #ahead: number;
  #stopped = false;
  /** Registrations in flight, each settled once its answer is taken in (see `registering`). */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: RegistrarDeps,
    options: RegistrarOptions,
  ) {
    this.#maxFiles = options.maxFiles ?? MAX_FILES_PER_JOB;
    this.#ahead = options.ahead;
  }

  add(records: readonly FileRecord[]): void {
    if (records.length === 0) return;
    this.#backlog.push(...records);
    this.pump();
  }

  /** Creates the next job if the queue is running low and none is being created. Cheap to call often. */
  pump(): void {
    if (this.#stopped || this.#registering || this.#backlog.length === 0) return;
    const waiting = this.deps.waiting();
    if (waiting >= this.#ahead) return;
    // While a selection is still arriving slice by slice, a job is made of a full job's files, or of
    // what is there when nothing registered is left to send (the first job, right after the pick):
    // otherwise every slice would become a job of its own.
    if (waiting > 0 && this.deps.adding() && this.#backlog.length < this.#maxFiles) return;
    const chunk = this.#takeChunk();
    if (chunk.length === 0) return;
    this.#registering = true;
    this.deps.busy(1);
    void this.#register(chunk)
      .catch((error: unknown) => {
        const maxFiles = tooManyFiles(error);
        if (maxFiles === null || maxFiles >= chunk.length) throw error;
        // The server holds fewer files per job than this engine assumed: split by its limit.
        this.#maxFiles = maxFiles;
        this.#backlog.unshift(...chunk);
      })
      .catch(() => {}) // registerChunk already failed the files; nothing is left to do here
      .finally(() => {
        this.#registering = false;
        this.pump();
        this.deps.busy(-1);
      });
  }

  /**
   * Registers `records` now, in jobs of the server's size (files that were hashed first come here,
   * already in send order: hash-pipeline.ts decides when). Resolves once all of them are registered.
   */
  async registerNow(records: readonly FileRecord[]): Promise<void> {
    let rest = [...records];
    while (rest.length > 0 && !this.#stopped) {
      const chunk = rest.slice(0, this.#maxFiles);
      try {
        await this.#register(chunk);
        rest = rest.slice(chunk.length);
      } catch (error) {
        const maxFiles = tooManyFiles(error);
        if (maxFiles === null || maxFiles >= chunk.length) rest = rest.slice(chunk.length);
        else this.#maxFiles = maxFiles; // then the same files again, in smaller jobs
      }
    }
  }

  /**
   * Settles once every job create running now is answered and taken in: its job recorded in the
   * store (the engine's `job(jobId)` knows it) and its files queued, or its files failed. Undefined
   * while none runs. A job's first push can beat its create answer; this says when to decide whose
   * job it is.
   */
  registering(): Promise<void> | undefined {
    return this.#inFlight.size === 0 ? undefined : Promise.all(this.#inFlight).then(() => {});
  }

  #register(chunk: FileRecord[]): Promise<void> {
    const call = this.deps.register(chunk);
    const settled = call.then(
      () => {},
      () => {},
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return call;
  }

  stop(): void {
    this.#stopped = true;
    this.#backlog = [];
  }

  /**
   * The next job's files: those still waiting to be sent and not paused, highest priority first
   * (then as added). Cancelled and failed files leave the backlog; paused ones stay in it.
   */
  #takeChunk(): FileRecord[] {
    const pending: FileRecord[] = [];
    const eligible: FileRecord[] = [];
    for (const r of this.#backlog) {
      const file = this.deps.file(r);
      if (file?.status !== "QUEUED" || !r.source) continue;
      pending.push(r);
      if (!file.paused) eligible.push(r);
    }
    const priority = (r: FileRecord) => this.deps.file(r)?.priority ?? 0;
    eligible.sort((a, b) => priority(b) - priority(a)); // stable: the order added within a priority
    const chunk = eligible.slice(0, this.#maxFiles);
    const taken = new Set(chunk);
    this.#backlog = pending.filter((r) => !taken.has(r));
    return chunk;
  }
}

/** The server's per-job limit from a TOO_MANY_FILES answer, or null for any other failure. */
export function tooManyFiles(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.code !== "TOO_MANY_FILES") return null;
  const maxFiles = (error.details as { maxFiles?: unknown } | undefined)?.maxFiles;
  return typeof maxFiles === "number" && Number.isInteger(maxFiles) && maxFiles >= 1 ? maxFiles : null;
}
