import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

const DEFAULT_CHECK_EVERY_MS = 10 * 60 * 1000;

export type UploadExpiryOptions = {
  /** Fails abandoned uploads older than `olderThanMs`; resolves to how many it failed. */
  expire: (olderThanMs: number) => Promise<number>;
  olderThanMs: number;
  checkEveryMs?: number;
};

/**
 * Fails abandoned uploads on a schedule, so their jobs finish and their half-uploaded parts go.
 * Every processing instance may run it: transitions lock the rows they change.
 */
const uploadExpiry: FastifyPluginAsync<UploadExpiryOptions> = async (app, options) => {
  const timer = setInterval(() => {
    options
      .expire(options.olderThanMs)
      .then((n) => n && app.log.info({ expired: n }, "expired abandoned uploads"))
      .catch((error: unknown) => app.log.warn({ err: error }, "could not expire abandoned uploads"));
  }, options.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
};

export const uploadExpiryPlugin = fp(uploadExpiry, { name: "upload-expiry", fastify: "5.x" });
