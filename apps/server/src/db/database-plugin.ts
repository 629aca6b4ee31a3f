import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { type Database, openDatabase } from "./database.js";

declare module "fastify" {
  interface FastifyInstance {
    database: Database;
  }
}

/** Opens the database (PGlite under DATA_DIR, or PostgreSQL) and closes it when the app closes. */
const database: FastifyPluginAsync<{ databaseUrl?: string; dataDir: string }> = async (app, options) => {
  const opened = await openDatabase(options, app.log);
  app.decorate("database", opened);
  // Registered first among the infrastructure, so its onClose runs last: everything that
  // still writes on the way out (the processing worker handing photos back) finds it open.
  app.addHook("onClose", () => opened.close());
};

export const databasePlugin = fp(database, { name: "database", fastify: "5.x" });
