import type { JobView, PushMessage } from "@rapidphoto/protocol";
import * as C from "./constants.js";
import type { Hasher } from "./content-hash.js";
import { createEngineParts } from "./engine-parts.js";
import { SERVER_FAILURE, UploadStoppedError } from "./errors.js";
import { FileIntake } from "./file-intake.js";
import {
  applyPhotoReport,
  type EngineParts,
  enqueue,
  forgetProgress,
  isAwaitingBytesFile,
  queueChanged,
  retire,
  retryContext,
} from "./file-lifecycle.js";
import { type FileRecord, type PhotoReport, releaseSource } from "./file-record.js";
import { type ReattachOptions, type ReattachResult, reattachFiles, restoreFiles } from "./file-restore.js";
import { LeaseHeartbeat } from "./lease-heartbeat.js";
import { mergeJobReport } from "./merge.js";
import type { PersistedFile } from "./persisted-state.js";
import { cancelOnServer, planCancelCalls, tellServerCancelled } from "./server-calls.js";
import type { UploadSource } from "./source.js";
import { createUploadStore, type FileState, type JobState, type UploadStore } from "./store.js";
import type { QueueLimits } from "./task-queue.js";
import type { Uploader, UploaderOptions } from "./uploader.js";

export type { Uploader, UploaderOptions } from "./uploader.js";

export function createUploader(options: UploaderOptions): Uploader {
  return new Engine(options);
}

class Engine implements Uploader {
  readonly store: UploadStore;
  readonly #p: EngineParts;
  readonly #life = new AbortController();
  readonly #unsubscribe: () => void;
  readonly #onError: NonNullable<UploaderOptions["onError"]>;
  readonly #hasher: Hasher | null;
  readonly #heartbeat: LeaseHeartbeat | null;
  readonly #intake: FileIntake;

  constructor(o: UploaderOptions) {
    this.store = o.store ?? createUploadStore();
    this.#onError = o.onError ?? (() => {});
    this.#p = createEngineParts(o, this.store, {
      life: this.#life.signal,
      onError: this.#onError,
      adding: () => !this.#intake.adds.idle,
      cancelledWhileRegistering: (photoIds) => void this.#tellCancelled({ jobs: [], photos: photoIds }),
    });
    const { writer, queue } = this.#p;
    const network = this.#p.deps.network;
    this.#hasher = o.hasher ?? null;
    const holdMs = o.holdIntervalMs ?? C.DEFAULT_HOLD_INTERVAL_MS;
    this.#heartbeat =
      holdMs > 0
        ? new LeaseHeartbeat(o.api, this.#p.records, writer, holdMs, (e) => this.#onError(e, { action: "hold" }))
        : null;
    const onNetwork = (online: boolean) => {
      writer.setRoot({ online });
      queue.setBlocked(!online); // offline: start nothing new; requests in flight fail without using up tries
    };
    this.#unsubscribe = network.subscribe(onNetwork);
    if (!network.isOnline()) onNetwork(false);
    this.#intake = new FileIntake(this.#p, o);
  }

  add(sources: readonly UploadSource[], options: { priority?: number } = {}): string[] {
    return this.#intake.add(sources, options);
  }

  finishAdding(options: { register?: boolean } = {}): void {
    this.#intake.finishAdding(options);
  }

  restore(files: readonly PersistedFile[]): string[] {
    return restoreFiles(this.#p, files, (id, size) => this.#intake.newRecord(null, { id, size }));
  }

  reattach(sources: readonly UploadSource[], options: ReattachOptions = {}): Promise<ReattachResult> {
    const hasher = this.#hasher;
    const hash = options.hash ?? (hasher ? (source: UploadSource) => hasher(source, this.#life.signal) : undefined);
    return reattachFiles(this.#p, sources, (records) => this.#intake.register(records), { ...options, hash });
  }

  start(): void {
    this.#intake.start();
  }

  pause(fileId?: string): void {
    if (fileId === undefined) this.#intake.adds.setPaused(true);
    const running = (r: FileRecord) => isAwaitingBytesFile(this.#p, r) && !this.#file(r)?.paused;
    for (const r of this.#targets(fileId, running)) {
      this.#p.writer.patchFile(r.id, { paused: true });
      this.#p.queue.remove(r.id);
      // Finalize is one small request after every byte is stored: stopping it would only repeat it.
      if (!r.finalizing) r.controller?.abort(new UploadStoppedError("pause"));
    }
    queueChanged(this.#p);
    this.#p.idle.check();
  }

  resume(fileId?: string): void {
    if (fileId === undefined) this.#intake.adds.setPaused(false);
    for (const r of this.#targets(fileId, (r) => this.#file(r)?.paused === true)) {
      this.#p.writer.patchFile(r.id, { paused: false });
      enqueue(this.#p, r);
    }
    this.#p.jobs.pump(); // resumed files not registered yet go with the next job
  }

  async cancel(fileId?: string): Promise<void> {
    const all = fileId === undefined;
    // Files of a selection still being added are never added: nothing of them exists anywhere yet.
    if (all) this.#intake.adds.drop();
    const processing = (r: FileRecord) => this.#file(r)?.status === "PROCESSING";
    const targets = this.#targets(fileId, (r) => isAwaitingBytesFile(this.#p, r) || (!all && processing(r)));
    for (const r of targets) {
      this.#p.queue.remove(r.id);
      this.#p.writer.patchFile(r.id, { status: "CANCELLED", paused: false });
      r.controller?.abort(new UploadStoppedError("cancel"));
      forgetProgress(this.#p, r);
    }
    queueChanged(this.#p);
    // Files still registering are told when registration returns; the rest now, once every request
    // has closed, so no part lands in storage after the server aborted the upload.
    const registered = targets.flatMap((r) => {
      const file = this.#file(r);
      return file?.photoId ? [file] : [];
    });
    await Promise.all(targets.map((r) => r.settled));
    for (const r of targets) retire(this.#p, r);
    const work = planCancelCalls(registered, all, (jobId) =>
      [...this.#p.records.values()].some((r) => this.#file(r)?.jobId === jobId && processing(r)),
    );
    await this.#tellCancelled(work);
    this.#p.writer.flush();
  }

  cancelOnServer(target: { photoId: string } | { jobId: string }): Promise<void> {
    return cancelOnServer(this.#p.deps.api, target, retryContext(this.#p, this.#life.signal));
  }

  retry(fileId?: string): void {
    const again: FileRecord[] = [];
    const failed = (r: FileRecord) => this.#file(r)?.status === "FAILED" && r.source !== null;
    for (const r of this.#targets(fileId, failed)) {
      const file = this.#file(r)!;
      // Failed by the server (not an image, expired): it must turn the photo back to QUEUED first.
      const serverFailed = file.error?.code === SERVER_FAILURE;
      r.deferred = null;
      // Pushes sent before this retry (a late FAILED) must not undo it.
      const seqFloor = file.jobId ? (this.#p.writer.job(file.jobId)?.seq ?? 0) : 0;
      const reset = { status: "QUEUED", error: null, retries: 0, seqFloor, paused: false } as const;
      this.#p.writer.patchFile(r.id, reset, { allowBackward: true });
      if (r.upload) {
        r.upload.needsReplan = true; // storage says which parts it holds; only the rest is sent
        r.upload.serverFailed = serverFailed;
        enqueue(this.#p, r);
      } else {
        again.push(r); // never registered: register again
      }
    }
    this.#intake.register(again);
  }

  clearCompleted(): void {
    // Done files have no record any more (retire): the store is where they are.
    const ids = new Set([...this.store.getState().order, ...this.#p.records.keys()]);
    const done = [...ids].filter((id) => this.#p.writer.file(id)?.status === "COMPLETED");
    for (const id of done) {
      const r = this.#p.records.get(id);
      if (r) retire(this.#p, r);
    }
    this.#p.writer.removeFiles(done);
  }

  setPriority(fileId: string, priority: number): void {
    if (!this.#p.records.has(fileId)) return;
    this.#p.queue.setPriority(fileId, priority);
    this.#p.writer.patchFile(fileId, { priority });
    this.#p.hashing?.reprioritized();
    queueChanged(this.#p);
  }

  move(fileId: string, index: number): void {
    const priority = this.#p.queue.move(fileId, index);
    if (!this.#p.records.has(fileId) || priority === null) return;
    this.#p.writer.patchFile(fileId, { priority });
    queueChanged(this.#p);
  }

  setLimits(limits: Partial<QueueLimits>): void {
    this.#p.queue.setLimits(limits);
  }

  applyServerMessage(message: PushMessage): void {
    if (!this.#foldJob(message.jobId, message.type === "job" ? message : { seq: message.seq })) return;
    if (message.type === "photo") this.#applyPhoto(message.photoId, message);
  }

  applyJobView(view: JobView): void {
    if (!this.#foldJob(view.jobId, view)) return;
    for (const photo of view.photos) this.#applyPhoto(photo.photoId, { ...photo, seq: view.seq });
  }

  job(jobId: string): JobState | undefined {
    return this.#p.writer.job(jobId);
  }

  jobsBeingCreated(): Promise<void> | undefined {
    return this.#p.jobs.registering();
  }

  whenIdle(): Promise<void> {
    // Flushed, so the store already shows the final state when this resolves.
    return this.#p.idle.wait().then(() => this.#p.writer.flush());
  }

  destroy(): void {
    this.#life.abort(new UploadStoppedError("destroy"));
    this.#intake.adds.stop();
    this.#p.jobs.stop();
    for (const r of this.#p.records.values()) {
      r.controller?.abort(new UploadStoppedError("destroy"));
      releaseSource(r);
    }
    this.#p.reporter?.stop();
    this.#heartbeat?.stop();
    this.#p.meter.stop();
    this.#unsubscribe();
    this.#p.writer.flush();
    this.#p.idle.release();
  }

  #targets(fileId: string | undefined, eligible: (r: FileRecord) => boolean): FileRecord[] {
    if (fileId !== undefined) {
      const r = this.#p.records.get(fileId);
      return r && eligible(r) ? [r] : [];
    }
    return [...this.#p.records.values()].filter(eligible);
  }

  /** Jobs this engine did not register are not its business (the web's query cache holds those). */
  #foldJob(jobId: string, report: Parameters<typeof mergeJobReport>[1]): boolean {
    const job = this.#p.writer.job(jobId);
    if (!job) return false;
    const next = mergeJobReport(job, report);
    if (next !== job) this.#p.writer.setJob(next);
    return true;
  }

  #applyPhoto(photoId: string, report: PhotoReport): void {
    const id = this.#p.byPhoto.get(photoId);
    const r = id ? this.#p.records.get(id) : undefined;
    if (r) applyPhotoReport(this.#p, r, report);
  }

  #file(r: FileRecord): FileState | undefined {
    return this.#p.writer.file(r.id);
  }

  #tellCancelled(work: { jobs: string[]; photos: string[] }): Promise<void> {
    if (work.jobs.length === 0 && work.photos.length === 0) return Promise.resolve();
    return tellServerCancelled(this.#p.deps.api, work, retryContext(this.#p, this.#life.signal), (e) =>
      this.#onError(e, { action: "cancel" }),
    );
  }
}
