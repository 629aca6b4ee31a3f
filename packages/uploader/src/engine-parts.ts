import { systemClock } from "./clock.js";
import * as C from "./constants.js";
import { type EngineParts, IdleTracker, registerChunk, startFile } from "./file-lifecycle.js";
import { batchedFinalize } from "./finalize-batcher.js";
import { HashPipeline } from "./hash-pipeline.js";
import { JobRegistrar } from "./job-registrar.js";
import { defaultNetworkMonitor } from "./network.js";
import { ProgressReporter } from "./progress-reporter.js";
import { defaultSchedulers } from "./scheduler.js";
import { StoreWriter, type UploadStore } from "./store.js";
import { TaskQueue } from "./task-queue.js";
import { TransferMeter } from "./transfer-meter.js";
import type { UploaderOptions } from "./uploader.js";

/** What the parts need from the engine that owns them. */
export type EngineHooks = {
  /** Aborted by destroy. */
  life: AbortSignal;
  onError: NonNullable<UploaderOptions["onError"]>;
  /** More files of a selection are still being added (add-slices.ts). */
  adding(): boolean;
  /** Photos cancelled while their job was being created: they exist now, so the server must hear of it. */
  cancelledWhileRegistering(photoIds: string[]): void;
};

/**
 * The engine's parts (file-lifecycle.ts `EngineParts`: the store writer, queue, registrar, hashing,
 * progress reports, transfer meter and idle tracker), built from its options with their defaults
 * (constants.ts) and wired to one another.
 */
export function createEngineParts(o: UploaderOptions, store: UploadStore, engine: EngineHooks): EngineParts {
  const limits = {
    maxActiveFiles: o.limits?.maxActiveFiles ?? C.DEFAULT_MAX_ACTIVE_FILES,
    maxRequests: o.limits?.maxRequests ?? C.DEFAULT_MAX_REQUESTS,
  };
  // Files start only once the parts exist (nothing is queued before add or restore).
  const queue = new TaskQueue(limits, (id) => startFile(parts, id));
  const idle = new IdleTracker(queue);
  // A scheduler given by the caller (tests) paces progress too; by default progress waits longer,
  // and every flush waits longer once the store holds many files (storeFlushGapMs).
  const schedulers = o.scheduler
    ? { write: o.scheduler, progress: o.scheduler, settled: o.scheduler }
    : defaultSchedulers(() => store.getState().order.length);
  // Quiet: only the server's pushes are still to come.
  const writer = new StoreWriter(store, schedulers.write, schedulers.progress, {
    schedule: schedulers.settled,
    quiet: () => idle.idle,
  });
  const busy = (delta: 1 | -1) => {
    idle.registrations += delta;
    idle.check();
  };
  const jobs = new JobRegistrar(
    {
      register: (chunk) => registerChunk(parts, chunk).then(engine.cancelledWhileRegistering),
      waiting: () => queue.waitingCount,
      adding: engine.adding,
      file: (r) => writer.file(r.id),
      busy,
    },
    { maxFiles: o.maxFilesPerJob, ahead: o.registerAhead ?? C.DEFAULT_REGISTER_AHEAD },
  );
  const clock = o.clock ?? systemClock;
  const reportMs = o.progressReportMs ?? C.DEFAULT_PROGRESS_REPORT_MS;
  const parts: EngineParts = {
    records: new Map(),
    byPhoto: new Map(),
    writer,
    queue,
    deps: {
      api: o.api,
      finalize: batchedFinalize(o.api),
      transport: o.transport,
      queue,
      network: o.network ?? defaultNetworkMonitor(),
      retry: {
        attempts: o.retry?.attempts ?? C.DEFAULT_RETRY_ATTEMPTS,
        baseDelayMs: o.retry?.baseDelayMs ?? C.DEFAULT_RETRY_BASE_MS,
        maxDelayMs: o.retry?.maxDelayMs ?? C.DEFAULT_RETRY_MAX_MS,
      },
      stall: {
        timeoutMs: o.stall?.timeoutMs ?? C.DEFAULT_STALL_TIMEOUT_MS,
        maxTimeoutMs: o.stall?.maxTimeoutMs ?? C.DEFAULT_STALL_MAX_TIMEOUT_MS,
        maxStalls: o.stall?.maxStalls ?? C.DEFAULT_MAX_STALLS,
      },
      clock,
      rewriteUrl: o.rewriteUrl ?? ((url) => url),
      random: o.random,
      signBatch: o.signBatch ?? C.DEFAULT_SIGN_BATCH,
      maxParallel: () => queue.limits.maxRequests,
    },
    reporter:
      reportMs > 0
        ? new ProgressReporter(
            o.api,
            reportMs,
            (e) => engine.onError(e, { action: "progress" }),
            () => clock.now(),
          )
        : null,
    meter: new TransferMeter(
      (speed) => writer.setRoot({ speed }, { progress: true }),
      () => queue.activeCount > 0,
    ),
    idle,
    hashing: null,
    jobs,
    life: engine.life,
  };
  if (o.hasher) {
    const ask = (o.hashOnlyPossibleDuplicates ?? true) ? o.api.duplicateSizes?.bind(o.api) : undefined;
    parts.hashing = new HashPipeline(parts, o.hasher, (chunk) => jobs.registerNow(chunk), o.hashConcurrency ?? 1, ask);
  }
  return parts;
}
