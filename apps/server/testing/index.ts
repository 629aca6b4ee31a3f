/**
 * `@rapidphoto/server/testing`: one way for every suite (server, engine, browser, bench) to run
 * the real server, in this process or as a child process. Importing it loads no server code: the
 * in-process server is loaded when it starts.
 */

/** Where a photo's bytes live in storage, for tests that look there directly. */
export { originalKey, stagingKey, thumbnailKey } from "../src/photos/storage-keys.js";
export type { ServerClient } from "./api-client.js";
export { type CuttableProxy, startCuttableProxy } from "./cuttable-proxy.js";
export { freePort, freePorts } from "./free-ports.js";
export { type ServerProcess, type ServerProcessOptions, startServerProcess } from "./server-process.js";
/** The real PostgreSQL and Redis of the machine: availability checks and a throwaway database. */
export {
  createTempPostgresDatabase,
  POSTGRES_ADMIN_URL,
  postgresAvailable,
  REDIS_TEST_URL,
  redisAvailable,
  serviceAvailable,
} from "./services.js";
export { startTestServer, type TestServer } from "./test-server.js";
