import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { configureSharp } from "./image-pipeline.js";
import { createProcessingWorker, type ProcessingWorker, type WorkerOptions } from "./processing-worker.js";

declare module "fastify" {
  interface FastifyInstance {
    /** This instance's processing worker; null on a web-only instance. */
    processing: ProcessingWorker | null;
  }
}

export type ProcessingPluginOptions = Pick<WorkerOptions, "concurrency" | "leaseMs" | "pollMs"> & { enabled: boolean };

/**
 * Runs the processing worker on instances that process (role all or worker). It starts once the
 * app is ready and stops on close before the database does (plugins close in reverse order), so
 * photos in flight are handed back while their rows can still be written.
 */
const processing: FastifyPluginAsync<ProcessingPluginOptions> = async (app, options) => {
  if (!options.enabled) {
    app.decorate("processing", null);
    return;
  }
  configureSharp();
  const { enabled: _, ...tuning } = options;
  const worker = createProcessingWorker({
    db: app.database.db,
    storage: app.storage,
    publish: app.publishEvent,
    logger: app.log,
    ...tuning,
  });
  app.decorate("processing", worker);
  app.addHook("onReady", async () => worker.start());
  app.addHook("onClose", () => worker.stop());
};

export const processingPlugin = fp(processing, {
  name: "processing",
  fastify: "5.x",
  dependencies: ["database", "storage", "events"],
});
