import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { holdWrites } from "../../test/support/held-writes.js";
import { uploadAndFinalize, waitForJob } from "../../test/upload-client.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { photos } from "../db/schema.js";
import { thumbnailKey } from "../photos/storage-keys.js";
import { backoffMs } from "./processing-worker.js";

describe("processing worker retries", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = (await server.register()).token;
  });
  afterAll(() => server.close());

  async function finalizedPhoto() {
    const bytes = await makeTestJpeg({ width: 200, height: 100 });
    const { body } = await server.api("POST", "/commands/upload-jobs", {
      token,
      body: { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: bytes.length }] },
    });
    return { body, bytes };
  }

  it("retries a transient storage failure with backoff and then completes", async () => {
    const { body, bytes } = await finalizedPhoto();
    const storage = server.app.storage;
    const read = storage.read.bind(storage);
    let failures = 0;
    const spy = vi.spyOn(storage, "read").mockImplementation(async (key, opts) => {
      if (key.endsWith("/original") && failures < 2) {
        failures += 1;
        throw new Error("storage is having a moment");
      }
      return read(key, opts);
    });
    try {
      await uploadAndFinalize(server, token, body.items[0], bytes);
      const job = await waitForJob(server, token, body.jobId, 60_000);
      expect(job.status).toBe("COMPLETED");
      expect(failures).toBe(2);
      const [row] = await server.app.database.db.select().from(photos).where(eq(photos.id, body.items[0].photoId));
      expect(row?.attempts).toBe(3);
      expect(row?.width).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });

  it("fails the photo with a clear message once its attempts are spent", async () => {
    const { body, bytes } = await finalizedPhoto();
    const storage = server.app.storage;
    const read = storage.read.bind(storage);
    const spy = vi.spyOn(storage, "read").mockImplementation(async (key, opts) => {
      if (key.includes(body.items[0].photoId)) throw new Error("storage is down");
      return read(key, opts);
    });
    // Skip the waiting between attempts: each failed attempt makes the photo due again at once.
    const db = server.app.database.db;
    const nudge = setInterval(() => {
      db.update(photos)
        .set({ nextAttemptAt: new Date(0) })
        .where(eq(photos.id, body.items[0].photoId))
        .catch(() => {});
    }, 50);
    try {
      await uploadAndFinalize(server, token, body.items[0], bytes);
      const job = await waitForJob(server, token, body.jobId, 60_000);
      expect(job.status).toBe("FAILED");
      expect(job.photos[0].errorMessage).toMatch(/gave up after 5 tries/);
    } finally {
      clearInterval(nudge);
      spy.mockRestore();
    }
  });

  it("hands a photo back without spending an attempt when recording it loses a database race", async () => {
    const { body, bytes } = await finalizedPhoto();
    const photoId = body.items[0].photoId;
    const db = server.app.database.db;
    const storage = server.app.storage;
    const write = storage.write.bind(storage);
    let conflicts = 0;
    const spy = vi.spyOn(storage, "write").mockImplementation(async (key, ...rest) => {
      // As many lost races as a photo has attempts: counted as failed attempts, it would end FAILED.
      if (key.includes(photoId) && conflicts < 5) {
        conflicts += 1;
        // What PostgreSQL answers the transaction it aborts to break a deadlock.
        throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      }
      return write(key, ...rest);
    });
    try {
      await uploadAndFinalize(server, token, body.items[0], bytes);
      const job = await waitForJob(server, token, body.jobId, 60_000);
      expect(conflicts).toBe(5);
      expect(job.status).toBe("COMPLETED");
      const [row] = await db.select().from(photos).where(eq(photos.id, photoId));
      expect(row?.attempts).toBe(6);
      expect(row?.width).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });

  it("backs off exponentially with jitter, capped at a minute", () => {
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(1)).toBeGreaterThanOrEqual(800);
      expect(backoffMs(1)).toBeLessThanOrEqual(1200);
      expect(backoffMs(3)).toBeGreaterThanOrEqual(3200);
      expect(backoffMs(3)).toBeLessThanOrEqual(4800);
      expect(backoffMs(20)).toBeLessThanOrEqual(72_000);
    }
  });
});

/**
 * A result the worker may no longer record: it has written the photo's thumbnails when it finds the
 * photo cancelled, or taken by another worker after its own lease ran out. Thumbnail keys are the
 * photo's own, the same for every worker, so only the first case may delete them.
 */
describe("a result that is no longer the worker's to record", () => {
  /**
   * On a server of its own: uploads a photo and holds the worker at its large thumbnail's write (the
   * small one written); `meanwhile` runs there. Then the worker goes on, and the test waits until the
   * worker says it did not record the result, which it says once it has done all it does for the
   * photo. Returns the photo's status and lease, and which of its thumbnails storage still has.
   */
  async function processWith(meanwhile: (server: TestServer, token: string, photoId: string) => Promise<void>) {
    const server = await startTestServer();
    const held = holdWrites(server.app.storage, (key) => key.endsWith("/thumb-large.webp"));
    const said = vi.spyOn(server.app.log, "info");
    try {
      const { token, userId } = await server.register();
      const bytes = await makeTestJpeg({ width: 200, height: 100 });
      const { body } = await server.api("POST", "/commands/upload-jobs", {
        token,
        body: { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: bytes.length }] },
      });
      const photoId: string = body.items[0].photoId;
      await uploadAndFinalize(server, token, body.items[0], bytes);
      await held.reached;
      await meanwhile(server, token, photoId);
      held.release();
      // Bounded only so a hang says what it waited for; checked every 20 ms.
      await vi.waitFor(
        () =>
          expect(said.mock.calls.map(([data, msg]) => [(data as { photoId?: string }).photoId, msg])).toContainEqual([
            photoId,
            "processing result not recorded: the photo changed meanwhile",
          ]),
        { timeout: 30_000, interval: 20 },
      );
      const [row] = await server.app.database.db
        .select({ status: photos.status, leaseOwner: photos.leaseOwner })
        .from(photos)
        .where(eq(photos.id, photoId));
      const has = async (size: "small" | "large") =>
        (await server.app.storage.head(thumbnailKey(userId, photoId, size))) !== null;
      return { row, kept: { small: await has("small"), large: await has("large") } };
    } finally {
      held.restore();
      said.mockRestore();
      await server.close();
    }
  }

  it("keeps the thumbnails when another worker took the photo after this one's lease ran out", async () => {
    const { row, kept } = await processWith(async (server, _token, photoId) => {
      // What a worker elsewhere does once our lease has run out: it claims the photo (and will write
      // the same thumbnail keys, and record the photo with them).
      await server.app.database.db
        .update(photos)
        .set({ leaseOwner: "worker_elsewhere", leaseExpiresAt: new Date(Date.now() + 3_600_000) })
        .where(eq(photos.id, photoId));
    });
    expect(row).toEqual({ status: "PROCESSING", leaseOwner: "worker_elsewhere" });
    expect(kept).toEqual({ small: true, large: true });
  });

  it("deletes the thumbnails it wrote for a photo cancelled while it worked", async () => {
    const { row, kept } = await processWith(async (server, token, photoId) => {
      const cancelled = await server.api("POST", `/commands/upload/${photoId}/cancel`, { token });
      expect(cancelled.status).toBe(200);
    });
    expect(row?.status).toBe("CANCELLED");
    expect(kept).toEqual({ small: false, large: false });
  });

  it("deletes the thumbnails it wrote for a photo whose row was deleted while it worked", async () => {
    const { row, kept } = await processWith(async (server, _token, photoId) => {
      // The row goes as emptying the trash removes it (trash-service.ts purgeOne).
      await server.app.database.db.delete(photos).where(eq(photos.id, photoId));
    });
    expect(row).toBeUndefined();
    expect(kept).toEqual({ small: false, large: false });
  });
});

describe("an idle worker", () => {
  it("does not accumulate listeners while it polls", async () => {
    const server = await startTestServer();
    try {
      const { createProcessingWorker } = await import("./processing-worker.js");
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on("warning", onWarning);
      const worker = createProcessingWorker({
        db: server.app.database.db,
        storage: server.app.storage,
        publish: async () => {},
        logger: server.app.log,
        pollMs: 5,
      });
      worker.start();
      await new Promise((r) => setTimeout(r, 300)); // ~60 idle polls
      await worker.stop();
      process.off("warning", onWarning);
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      await server.close();
    }
  });
});
