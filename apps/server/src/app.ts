import type { Writable } from "node:stream";
import rateLimit from "@fastify/rate-limit";
import type { JobEvent } from "@rapidphoto/protocol";
import Fastify, { type FastifyInstance } from "fastify";
import { authRoutes } from "./auth/auth-routes.js";
import { createAuthService } from "./auth/auth-service.js";
import { createTokenService } from "./auth/tokens.js";
import type { Config } from "./config/config.js";
import { fastifyTrustProxy } from "./config/trust-proxy.js";
import { type Database, openDatabase } from "./db/database.js";
import type { EventBus } from "./events/event-bus.js";
import { openEventBus } from "./events/open-event-bus.js";
import { AppError } from "./http/app-error.js";
import { allowOrigin } from "./http/cors.js";
import { installErrorHandling } from "./http/error-handler.js";
import { healthRoutes } from "./http/health-routes.js";
import { loggingOptions } from "./http/logging.js";
import { webApp } from "./http/web-app.js";
import { configureSharp } from "./processing/image-pipeline.js";
import { createProcessingWorker, type ProcessingWorker } from "./processing/processing-worker.js";
import { realtimePlugin } from "./realtime/realtime-plugin.js";
import { loadOrCreateSecret } from "./secrets.js";
import { diskStorageRoutes } from "./storage/disk-storage-routes.js";
import { openStorage } from "./storage/open-storage.js";
import type { ObjectStorage } from "./storage/storage.js";
import { queryRoutes } from "./uploads/query-routes.js";
import { createUploadQueries } from "./uploads/upload-queries.js";
import { uploadRoutes } from "./uploads/upload-routes.js";
import { createUploadService, type UploadService } from "./uploads/upload-service.js";

const UPLOAD_EXPIRY_CHECK_MS = 10 * 60 * 1000;

export type AppOptions = {
  /** Processing tuning, mostly for tests (short leases to exercise crash recovery). */
  worker?: { leaseMs?: number; pollMs?: number; concurrency?: number };
  /** Where log lines go instead of stdout (tests that read the logs). */
  logDestination?: Writable;
};

/**
 * Builds the whole server from config. Every piece is registered here, by hand, in order;
 * infrastructure opened here is closed by the app's onClose hook, in reverse.
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
  installErrorHandling(app);
  app.decorateRequest("user", null);
  if (config.corsOrigin) allowOrigin(app, config.corsOrigin);
  const closers: (() => Promise<unknown>)[] = [];
  app.addHook("onClose", async () => {
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) => app.log.error({ err: error }, "close failed"));
    }
  });

  // Infrastructure: database, object storage, event bus.
  const database = await openDatabase(config);
  closers.push(() => database.close());
  const { storage, disk } = await openStorage(config, await loadOrCreateSecret(config.dataDir, "storage"), app.log);
  closers.push(() => storage.close());
  const bus = await openEventBus(config, app.log);
  closers.push(() => bus.close());
  // Services publish inside the transaction that made the change, while the job's row is locked,
  // so events reach the bus in seq order even across instances. Pushes are best effort: a bus
  // outage is logged, never fails the change (clients fall back to polling).
  const publish = (event: JobEvent) =>
    bus.publish(event).catch((error: unknown) => app.log.warn({ err: error }, "event not published"));

  const jwtSecret = config.jwtSecret
    ? new TextEncoder().encode(config.jwtSecret)
    : await loadOrCreateSecret(config.dataDir, "jwt");
  const tokens = createTokenService(jwtSecret);
  const auth = createAuthService({ db: database.db, tokens });

  let worker: ProcessingWorker | null = null;
  if (config.role !== "web") {
    configureSharp();
    worker = createProcessingWorker({
      db: database.db,
      storage,
      publish,
      logger: app.log,
      leaseMs: config.worker.leaseMs,
      ...(config.worker.concurrency ? { concurrency: config.worker.concurrency } : {}),
      ...options.worker,
    });
    // Stop the worker first on close, so it hands back its photos while the database is still open.
    closers.push(() => (worker as ProcessingWorker).stop());
    app.addHook("onReady", async () => worker?.start());
  }
  const uploads = createUploadService({
    db: database.db,
    storage,
    publish,
    logger: app.log,
    onPhotosReady: () => worker?.wake(),
  });
  const queries = createUploadQueries({ db: database.db, storage });
  if (config.role !== "web") {
    // Abandoned uploads are failed on a schedule; every worker instance may run it (transitions lock rows).
    const expiry = setInterval(() => {
      uploads
        .expireStaleUploads(config.uploadExpiryMs)
        .then((n) => n && app.log.info({ expired: n }, "expired abandoned uploads"))
        .catch((error: unknown) => app.log.warn({ err: error }, "could not expire abandoned uploads"));
    }, UPLOAD_EXPIRY_CHECK_MS);
    expiry.unref();
    closers.push(async () => clearInterval(expiry));
  }

  await app.register(healthRoutes, { required: { database, storage }, optional: { events: bus } });
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
    await app.register(realtimePlugin, {
      bus,
      authenticate: async (token) => {
        try {
          return { userId: (await auth.authenticate(token)).userId };
        } catch (error) {
          if (error instanceof AppError) return null; // bad, expired or orphaned token
          throw error;
        }
      },
      authorizeJob: (userId, jobId) => queries.ownsJob(userId, jobId),
    });
    if (disk) await app.register(diskStorageRoutes, { prefix: "/storage", storage: disk });
    await app.register(webApp, { webDir: config.webDir });
  }

  app.decorate("services", { auth, tokens, database, storage, bus, uploads, worker });
  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    services: {
      auth: ReturnType<typeof createAuthService>;
      tokens: ReturnType<typeof createTokenService>;
      database: Database;
      storage: ObjectStorage;
      bus: EventBus;
      uploads: UploadService;
      worker: ProcessingWorker | null;
    };
  }
}
