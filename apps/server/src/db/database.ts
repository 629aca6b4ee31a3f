import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type pg from "pg";
import type { Logger } from "../events/event-bus.js";
import { PostgresPool } from "./postgres-pool.js";
import * as schema from "./schema.js";

export type Schema = typeof schema;
/** The same Drizzle API over either driver: code above this file never knows which. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /** Throws when the database cannot answer (used by /healthz). */
  check(): Promise<void>;
  close(): Promise<void>;
};

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../drizzle");
// Any fixed number: it only has to be the same for every instance migrating the same database.
const MIGRATION_LOCK_KEY = 727_001;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }, logger: Logger): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, logger) : openPglite(path.join(opts.dataDir, "db"));
}

async function openPglite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  try {
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    kind: "pglite",
    db,
    check: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string, logger: Logger): Promise<Database> {
  const pool = new PostgresPool(url, logger);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  try {
    await migrateWithLock(pool, db);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    kind: "postgres",
    db,
    check: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
}

/** Several instances may start at once against one database: only one migrates at a time. */
async function migrateWithLock(pool: pg.Pool, db: Db): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
