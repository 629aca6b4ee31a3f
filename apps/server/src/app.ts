import type { Writable } from "node:stream";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance } from "fastify";
import { authRoutes } from "./auth/auth-routes.js";
import { createAuthService } from "./auth/auth-service.js";
import { createTokenService } from "./auth/tokens.js";
import type { Config } from "./config/config.js";
import { fastifyTrustProxy } from "./config/trust-proxy.js";
import { databasePlugin } from "./db/database-plugin.js";
import { eventsPlugin } from "./events/events-plugin.js";
import { AppError } from "./http/app-error.js";
import { allowOrigin } from "./http/cors.js";
import { diskStorageRoutes } from "./http/disk-storage-routes.js";
import { installErrorHandling } from "./http/error-handler.js";
import { healthRoutes } from "./http/health-routes.js";
import { loggingOptions } from "./http/logging.js";
import { openApiDocs } from "./http/openapi.js";
import { securityHeadersPlugin } from "./http/security-headers.js";
import { webApp } from "./http/web-app.js";
import { useZodSchemas } from "./http/zod-schemas.js";
import { createLibraryQueries } from "./library/library-queries.js";
import { libraryQueryRoutes, trashRoutes } from "./library/library-routes.js";
import { createTrashService, TRASH_SWEEP_CHECK_MS } from "./library/trash-service.js";
import { periodicTaskPlugin } from "./periodic-task-plugin.js";
import { processingPlugin } from "./processing/processing-plugin.js";
import type { Clock } from "./realtime/clock.js";
import { realtimePlugin } from "./realtime/realtime-plugin.js";
import { loadOrCreateSecret } from "./secrets.js";
import { storagePlugin } from "./storage/storage-plugin.js";
import { LEASE_LAPSE_CHECK_MS } from "./uploads/lease-lapse.js";
import { queryRoutes } from "./uploads/query-routes.js";
import { UPLOAD_EXPIRY_CHECK_MS } from "./uploads/upload-expiry.js";
import { createUploadQueries } from "./uploads/upload-queries.js";
import { uploadRoutes } from "./uploads/upload-routes.js";
import { createUploadService } from "./uploads/upload-service.js";

export type AppOptions = {
  /** Processing tuning, mostly for tests (short leases to exercise crash recovery). */
  worker?: { leaseMs?: number; pollMs?: number; concurrency?: number };
  /** Where log lines go instead of stdout (tests that read the logs). */
  logDestination?: Writable;
  /** Realtime timing for tests: a manual clock reaches a token's expiry without waiting for it. */
  realtime?: { clock?: Clock; revalidateMs?: number };
};

/**
 * Builds the whole server from config. Every piece is registered here, by hand, in order;
 * each infrastructure plugin closes what it opened when the app closes.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggingOptions(config, options.logDestination),
    bodyLimit: 4 * 1024 * 1024, // JSON only: a 1000-file job is ~200 KB; photo bytes never come through here
    // Off unless TRUST_PROXY names the proxies: otherwise any client could set X-Forwarded-For
    // and pick its own address, and with it a fresh rate-limit bucket for every password guess.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    return503OnClosing: true,
  });
  try {
    await registerEverything(app, config, options);
  } catch (error) {
    // Close what did open (a database opened before the storage failed), then report the failure.
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}

async function registerEverything(app: FastifyInstance, config: Config, options: AppOptions): Promise<void> {
  installErrorHandling(app);
  useZodSchemas(app);
  app.decorateRequest("user", null);
  if (config.corsOrigin) allowOrigin(app, config.corsOrigin);

  // Infrastructure: each plugin opens its piece and closes it on the app's close, in reverse order
  // of registration (the processing worker stops before the database it writes to closes).
  await app.register(databasePlugin, { databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await app.register(storagePlugin, { config, secret: await loadOrCreateSecret(config.dataDir, "storage") });
  await app.register(eventsPlugin, { config });
  await app.register(securityHeadersPlugin, {
    webDir: config.webDir,
    // Browsers PUT photo bytes and load thumbnails wherever storage signs its URLs for.
    otherOrigins: [new URL(await app.storage.presignGet("csp-probe", { expiresInSec: 60 })).origin],
  });
  // Services publish inside the transaction that made the change, while the job's row is locked,
  // so events reach the bus in seq order even across instances.
  const { database, storage, events, publishEvent: publish } = app;

  const jwtSecret = config.jwtSecret
    ? new TextEncoder().encode(config.jwtSecret)
    : await loadOrCreateSecret(config.dataDir, "jwt");
  const tokens = createTokenService(jwtSecret);
  const auth = createAuthService({ db: database.db, tokens, publish: (event) => app.publishEvent(event) });

  await app.register(processingPlugin, {
    enabled: config.role !== "web",
    leaseMs: config.worker.leaseMs,
    concurrency: config.worker.concurrency,
    ...options.worker,
  });
  const uploads = createUploadService({
    db: database.db,
    storage,
    publish,
    logger: app.log,
    onPhotosReady: () => app.processing?.wake(),
    maxFilesPerJob: config.maxFilesPerJob,
    hashStoredMaxBytes: config.hashStoredMaxBytes,
    senderLeaseMs: config.senderLeaseMs,
  });
  const queries = createUploadQueries({ db: database.db });
  const library = createLibraryQueries({ db: database.db, storage });
  const trash = createTrashService({ db: database.db, storage, logger: app.log });
  if (config.role !== "web") {
    // Sweeps every processing instance may run: each locks or claims the rows it changes.
    await app.register(periodicTaskPlugin, {
      task: "expire abandoned uploads",
      everyMs: UPLOAD_EXPIRY_CHECK_MS,
      run: () => uploads.expireStaleUploads(config.uploadExpiryMs),
    });
    await app.register(periodicTaskPlugin, {
      task: "announce lapsed sender leases",
      // A short lease (tests) is checked more often, so a lapse is still announced soon after.
      everyMs: Math.min(LEASE_LAPSE_CHECK_MS, config.senderLeaseMs / 4),
      run: () => uploads.announceLapsedLeases(),
    });
    await app.register(periodicTaskPlugin, {
      task: "empty expired photos from Trash",
      everyMs: TRASH_SWEEP_CHECK_MS,
      run: () => trash.sweep(config.trashRetentionMs),
    });
  }

  if (config.role !== "worker") await openApiDocs(app);
  await app.register(healthRoutes, { required: { database, storage }, optional: { events } });
  if (config.role !== "worker") {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        code: "RATE_LIMITED",
        message: `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
      }),
    });
    await app.register(authRoutes, { prefix: "/api/auth", auth, rateLimitPerMinute: config.authRateLimit });
    await app.register(uploadRoutes, { prefix: "/commands", auth, uploads });
    await app.register(queryRoutes, { prefix: "/queries", auth, queries });
    await app.register(libraryQueryRoutes, {
      prefix: "/queries",
      auth,
      library,
      trashRetentionMs: config.trashRetentionMs,
    });
    await app.register(trashRoutes, { prefix: "/commands", auth, trash });
    await app.register(realtimePlugin, {
      bus: events,
      authenticate: async (token) => {
        try {
          const { userId, expiresAt } = await auth.session(token);
          return { userId, expiresAt };
        } catch (error) {
          if (error instanceof AppError) return null; // bad, expired or orphaned token
          throw error;
        }
      },
      authorizeJob: (userId, jobId) => queries.ownsJob(userId, jobId),
      ...options.realtime,
    });
    if (app.diskStorage) await app.register(diskStorageRoutes, { prefix: "/storage", storage: app.diskStorage });
    await app.register(webApp, { webDir: config.webDir });
  }
}
