import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import { createTempPostgresDatabase, postgresAvailable } from "../../testing/services.js";
import { type Database, openDatabase } from "./database.js";
import { insertRowsAsJson } from "./json-insert.js";
import { photos, uploadJobs, users } from "./schema.js";

const at = new Date("2026-03-04T05:06:07.891Z");
const photo = (id: string, overrides: Partial<typeof photos.$inferInsert> = {}) => ({
  id,
  jobId: "job_1",
  userId: "usr_1",
  clientId: null as string | null,
  position: 0,
  filename: "a.jpg",
  mimeType: "image/jpeg",
  bytes: 100,
  status: "QUEUED",
  storageKey: `k/${id}`,
  uploadMethod: "PUT",
  createdAt: at,
  updatedAt: at,
  ...overrides,
});
const COLUMNS = [
  "id",
  "jobId",
  "userId",
  "clientId",
  "position",
  "filename",
  "mimeType",
  "bytes",
  "status",
  "storageKey",
  "uploadMethod",
  "senderLeaseUntil",
  "partSize",
  "createdAt",
  "updatedAt",
] as const;

describe.each(["pglite", "postgres"] as const)("insertRowsAsJson on %s", (kind) => {
  let database: Database | null = null;
  let cleanup: () => Promise<void> = async () => {};

  beforeAll(async () => {
    if (kind === "postgres" && !(await postgresAvailable())) return;
    const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-json-insert-"));
    const temp = kind === "postgres" ? await createTempPostgresDatabase() : null;
    database = await openDatabase({ databaseUrl: temp?.url, dataDir }, captureLogger().logger);
    cleanup = async () => {
      await database?.close();
      await temp?.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
    await database.db.insert(users).values({ id: "usr_1", email: "a@example.com", passwordHash: "x" });
    await database.db
      .insert(uploadJobs)
      .values({ id: "job_1", userId: "usr_1", status: "QUEUED", totalCount: 3, totalBytes: 0 });
  });
  afterAll(() => cleanup());

  it("writes each row as a typed insert would: values cast by column type, left-out columns at their defaults", async ({
    skip,
  }) => {
    if (!database) return skip();
    const rows = [
      photo("ph_1", { clientId: "c1", senderLeaseUntil: new Date(at.getTime() + 120_000), position: 0 }),
      // Text JSON must escape, a size past 32 bits, a null among values.
      photo("ph_2", { filename: `q"uote\\ \n ünï 📷 ' ;--.jpg`, bytes: 5 * 2 ** 30 + 7, position: 1 }),
      photo("ph_3", { uploadMethod: "MULTIPART", partSize: 8 * 2 ** 20, position: 2 }),
    ];
    await insertRowsAsJson(database.db, photos, COLUMNS, rows);

    const stored = await database.db
      .select()
      .from(photos)
      .where(eq(photos.jobId, "job_1"))
      .orderBy(asc(photos.position));
    expect(stored).toHaveLength(3);
    for (const [i, row] of rows.entries()) {
      expect(stored[i]).toMatchObject({
        ...row,
        senderLeaseUntil: row.senderLeaseUntil ?? null,
        partSize: row.partSize ?? null,
      });
      // Not among the columns written: the schema's defaults.
      expect(stored[i]).toMatchObject({ bytesSent: 0, attempts: 0, checksum: null, declaredSha256: null, exif: null });
    }
    expect(stored[0]?.createdAt.getTime()).toBe(at.getTime());
  });

  it("writes nothing for no rows, and names a column the table does not have", async ({ skip }) => {
    if (!database) return skip();
    await expect(insertRowsAsJson(database.db, photos, COLUMNS, [])).resolves.toBeUndefined();
    await expect(insertRowsAsJson(database.db, photos, ["id", "nope"] as never, [photo("ph_9")])).rejects.toThrow(
      "photos has no column nope",
    );
    expect(await database.db.select().from(photos).where(eq(photos.id, "ph_9"))).toEqual([]);
  });

  it("is one statement: a row the database refuses leaves none of the others", async ({ skip }) => {
    if (!database) return skip();
    const rows = [photo("ph_10"), photo("ph_1")]; // ph_1 exists: primary key violation
    await expect(insertRowsAsJson(database.db, photos, COLUMNS, rows)).rejects.toThrow();
    expect(await database.db.select().from(photos).where(eq(photos.id, "ph_10"))).toEqual([]);
  });
});
