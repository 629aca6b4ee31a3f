import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config/config.js";
import type { DiskStorage } from "./disk-storage.js";
import { openStorage } from "./open-storage.js";
import type { ObjectStorage } from "./storage.js";

declare module "fastify" {
  interface FastifyInstance {
    storage: ObjectStorage;
    /** The same store as `storage` when it is on disk (its signed URLs are served here); null with S3. */
    diskStorage: DiskStorage | null;
  }
}

/** Opens the configured object store and closes it (sweeper, S3 client) when the app closes. */
const storage: FastifyPluginAsync<{ config: Config; secret: Buffer }> = async (app, options) => {
  const opened = await openStorage(options.config, options.secret, app.log);
  app.decorate("storage", opened.storage);
  app.decorate("diskStorage", opened.disk);
  app.addHook("onClose", () => opened.storage.close());
};

export const storagePlugin = fp(storage, { name: "storage", fastify: "5.x" });
