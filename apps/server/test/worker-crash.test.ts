import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { and, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photos } from "../src/db/schema.js";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { freePort, startTestServer, type TestServer } from "../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../testing/services.js";
import { uploadAndFinalize, waitForJob } from "./upload-client.js";

const SERVER_DIR = path.resolve(import.meta.dirname, "..");

/** A real `--role=worker` process sharing the test server's database and object store. */
async function spawnWorker(server: TestServer, databaseUrl: string): Promise<ChildProcess> {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--role=worker"], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      DATA_DIR: server.dataDir,
      PORT: String(await freePort()),
      PUBLIC_URL: server.url,
      LOG_LEVEL: "silent",
      WORKER_CONCURRENCY: "1",
      WORKER_LEASE_SECONDS: "2",
    },
    stdio: "ignore",
  });
}

describe("a worker killed mid-processing", () => {
  let server: TestServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl = "";
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!(await postgresAvailable())) return;
    const db = await createTempPostgresDatabase();
    drop = db.drop;
    databaseUrl = db.url;
    // The API instance does no processing: only the worker processes below do.
    server = await startTestServer({ env: { DATABASE_URL: db.url }, argv: ["--role=web"] });
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await server?.close();
    await drop?.();
  });

  it("loses nothing: its photos are taken again after the lease and complete", async ({ skip }) => {
    if (!server) skip();
    const s = server as TestServer;
    const { token } = await s.register();
    // Big enough that processing one takes a good while, so the kill lands mid-photo.
    const sources = await Promise.all(
      Array.from({ length: 3 }, () => makeTestJpeg({ width: 6000, height: 4000, targetBytes: 8_000_000 })),
    );
    const files = sources.map((b, i) => ({ filename: `big${i}.jpg`, mimeType: "image/jpeg", bytes: b.length }));
    const { body } = await s.api("POST", "/commands/upload-jobs", { token, body: { files } });
    for (const [i, item] of body.items.entries()) await uploadAndFinalize(s, token, item, sources[i] as Buffer);

    const db = s.app.database.db;
    const leased = () =>
      db
        .select()
        .from(photos)
        .where(and(eq(photos.jobId, body.jobId), eq(photos.status, "PROCESSING"), isNotNull(photos.leaseOwner)));

    const first = await spawnWorker(s, databaseUrl);
    children.push(first);
    const deadline = Date.now() + 60_000;
    while ((await leased()).length === 0) {
      if (Date.now() > deadline) throw new Error("the worker never claimed a photo");
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    const orphaned = await leased();
    expect(orphaned.length).toBeGreaterThan(0); // it died holding a claim, with the work unfinished
    const deadOwner = orphaned[0]?.leaseOwner;

    const second = await spawnWorker(s, databaseUrl);
    children.push(second);
    const job = await waitForJob(s, token, body.jobId, 120_000);
    expect(job).toMatchObject({ status: "COMPLETED", completedCount: 3 });

    const rows = await db.select().from(photos).where(eq(photos.jobId, body.jobId));
    const retaken = rows.find((r) => r.id === orphaned[0]?.id);
    expect(retaken?.attempts).toBe(2); // claimed by the dead worker, then by the new one
    expect(retaken?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.every((r) => r.leaseOwner === null)).toBe(true);
    expect(deadOwner).toMatch(/^worker_/);
    second.kill("SIGTERM");
  });
});
