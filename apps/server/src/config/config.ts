import path from "node:path";
import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { z } from "zod";
import { parseTrustProxy, type TrustProxy } from "./trust-proxy.js";

const port = z.coerce
  .number({ message: "must be a number" })
  .int({ message: "must be a whole number" })
  .min(0, { message: "must be between 0 and 65535" })
  .max(65535, { message: "must be between 0 and 65535" });

/** Stored bytes one job creation reads at most to hash photos on demand (HASH_STORED_MAX_BYTES): 1 GiB. */
export const DEFAULT_HASH_STORED_MAX_BYTES = 1024 ** 3;

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const urlWithProtocols = (protocols: string[], hint: string) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: hint },
  );

/** Every setting the server reads (DESIGN §3). Empty strings count as unset. */
const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: urlWithProtocols(["postgres:", "postgresql:"], "must be a postgres:// or postgresql:// URL").optional(),
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ENDPOINT: urlWithProtocols(["http:", "https:"], "must be an http(s):// URL").optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  REDIS_URL: urlWithProtocols(["redis:", "rediss:"], "must be a redis:// or rediss:// URL").optional(),
  JWT_SECRET: z.string().min(32, { message: "must be at least 32 characters" }).optional(),
  PUBLIC_URL: urlWithProtocols(["http:", "https:"], "must be an http(s):// URL").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Unset: readable lines when stdout is a terminal, JSON (one object a line) otherwise. */
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
  WEB_DIR: z.string().min(1).optional(),
  /** Requests per minute per client address on register and login. */
  AUTH_RATE_LIMIT: z.coerce.number().int().positive().default(20),
  /** Proxies whose X-Forwarded-For is believed: a hop count or addresses/CIDRs (trust-proxy.ts). */
  TRUST_PROXY: z.string().optional(),
  /** Origin allowed to call the API from another host (the dev server); unset = same origin only. */
  CORS_ORIGIN: z.string().optional(),
  /** Photos one worker processes at once; default: the machine's cores. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** How long a processing claim lasts without renewal; a crashed worker's photos are retaken after it. */
  WORKER_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /**
   * How long a photo waiting for bytes counts as held by the client sending it after its last
   * progress, sign or heartbeat; past it the user's tabs show it as needing its file. Clients renew
   * it every 30 s at most (heartbeat), so values much under a minute suit tests only.
   */
  SENDER_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(120),
  /** Uploads with no activity for this long are failed and their parts removed. */
  UPLOAD_EXPIRY_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  /**
   * Files one upload job may hold (the protocol's limit at most). Clients split a larger selection
   * into several jobs; a lower value makes that cheap to exercise in tests.
   */
  MAX_FILES_PER_JOB: z.coerce
    .number({ message: "must be a number" })
    .int({ message: "must be a whole number" })
    .min(1, { message: `must be between 1 and ${MAX_FILES_PER_JOB}` })
    .max(MAX_FILES_PER_JOB, { message: `must be between 1 and ${MAX_FILES_PER_JOB}` })
    .default(MAX_FILES_PER_JOB),
  /**
   * Bytes of stored photos one job creation reads at most to hash them on demand, when a file is
   * dropped again while its first copy, sent unhashed, still processes (hash-stored-photos.ts); the
   * files past it are uploaded as new photos. Bounds how long one request can keep reading. 0: never.
   */
  HASH_STORED_MAX_BYTES: z.coerce
    .number({ message: "must be a number" })
    .int({ message: "must be a whole number" })
    .min(0, { message: "must be 0 or more" })
    .default(DEFAULT_HASH_STORED_MAX_BYTES),
  /** Photos in Trash longer than this are deleted forever (originals and renditions). */
  TRASH_RETENTION_DAYS: z.coerce
    .number()
    .positive()
    .max(365 * 10)
    .default(30),
});

export type Role = "all" | "web" | "worker";

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  s3:
    | {
        bucket: string;
        region: string;
        endpoint: string | undefined;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        forcePathStyle: boolean;
      }
    | undefined;
  redisUrl: string | undefined;
  jwtSecret: string | undefined;
  publicUrl: string;
  logLevel: z.infer<typeof EnvSchema>["LOG_LEVEL"];
  logFormat: "pretty" | "json" | undefined;
  webDir: string;
  authRateLimit: number;
  corsOrigin: string | undefined;
  trustProxy: TrustProxy;
  worker: { concurrency: number | undefined; leaseMs: number };
  uploadExpiryMs: number;
  senderLeaseMs: number;
  trashRetentionMs: number;
  maxFilesPerJob: number;
  hashStoredMaxBytes: number;
  role: Role;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const REPO_ROOT = path.resolve(import.meta.dirname, "../../../..");

/** Reads and validates configuration. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "environment");
      problems.push(`${name}=${JSON.stringify(cleaned[name] ?? "")}: ${issue.message}`);
    }
  }
  const role = parseRole(argv, problems);
  const trustProxy = parseTrustProxy(cleaned.TRUST_PROXY);
  if ("problem" in trustProxy)
    problems.push(`TRUST_PROXY=${JSON.stringify(cleaned.TRUST_PROXY)}: ${trustProxy.problem}`);
  if (!parsed.success || !role || "problem" in trustProxy) throw new ConfigError(problems);
  const e = parsed.data;

  if (e.S3_BUCKET && Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError(["S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together"]);
  }

  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          endpoint: e.S3_ENDPOINT,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : undefined,
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    webDir: path.resolve(e.WEB_DIR ?? path.join(REPO_ROOT, "apps/web/out")),
    authRateLimit: e.AUTH_RATE_LIMIT,
    corsOrigin: e.CORS_ORIGIN,
    trustProxy: trustProxy.value,
    worker: { concurrency: e.WORKER_CONCURRENCY, leaseMs: e.WORKER_LEASE_SECONDS * 1000 },
    uploadExpiryMs: e.UPLOAD_EXPIRY_HOURS * 60 * 60 * 1000,
    senderLeaseMs: e.SENDER_LEASE_SECONDS * 1000,
    trashRetentionMs: e.TRASH_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    maxFilesPerJob: e.MAX_FILES_PER_JOB,
    hashStoredMaxBytes: e.HASH_STORED_MAX_BYTES,
    role,
  };
}

function parseRole(argv: string[], problems: string[]): Role | null {
  const flag = argv.find((a) => a.startsWith("--role="));
  if (!flag) return "all";
  const value = flag.slice("--role=".length);
  if (value === "all" || value === "web" || value === "worker") return value;
  problems.push(`--role=${value}: must be all, web or worker`);
  return null;
}
