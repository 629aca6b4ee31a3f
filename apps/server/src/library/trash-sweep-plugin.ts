import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

const DEFAULT_CHECK_EVERY_MS = 60 * 60 * 1000;

export type TrashSweepOptions = {
  /** Deletes forever what has been in Trash longer than `retentionMs`; resolves to how many went. */
  sweep: (retentionMs: number) => Promise<number>;
  retentionMs: number;
  checkEveryMs?: number;
};

/**
 * Empties Trash of photos older than the retention (TRASH_RETENTION_DAYS) on a schedule, and
 * finishes deletions that storage interrupted. Every processing instance may run it: the sweep
 * claims rows with SKIP LOCKED and a purge is idempotent.
 */
const trashSweep: FastifyPluginAsync<TrashSweepOptions> = async (app, options) => {
  const run = () =>
    options
      .sweep(options.retentionMs)
      .then((n) => n && app.log.info({ deleted: n }, "emptied expired photos from Trash"))
      .catch((error: unknown) => app.log.warn({ err: error }, "could not empty expired photos from Trash"));
  const timer = setInterval(run, options.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
};

export const trashSweepPlugin = fp(trashSweep, { name: "trash-sweep", fastify: "5.x" });
