import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

export type PeriodicTaskOptions = {
  /** What the task does, for its log lines ("expire abandoned uploads"). */
  task: string;
  everyMs: number;
  /** One run; resolves to how many things it handled (logged when not 0). */
  run: () => Promise<number>;
};

/**
 * Runs a sweep on a schedule while the app is up and stops it when the app closes: the expiry of
 * abandoned uploads, Trash retention, the announcement of lapsed sender leases. A run that fails is
 * logged and the next tick tries again; a tick that comes while the last run is still going is
 * skipped, so a slow database never stacks runs up. Closing the app waits for a run in progress.
 */
const periodicTask: FastifyPluginAsync<PeriodicTaskOptions> = async (app, options) => {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = options
      .run()
      .then((handled) => handled && app.log.info({ task: options.task, handled }, "periodic task done"))
      .catch((error: unknown) => app.log.warn({ err: error, task: options.task }, "periodic task failed"))
      .finally(() => {
        running = null;
      });
  }, options.everyMs);
  timer.unref();
  // A run in progress ends before what it uses (the database, registered earlier) closes.
  app.addHook("onClose", async () => {
    clearInterval(timer);
    await running;
  });
};

export const periodicTaskPlugin = fp(periodicTask, { fastify: "5.x" });
