import type { TestServer } from "@rapidphoto/server/testing";
import { originalKey, thumbnailKey } from "@rapidphoto/server/testing";
import { makeTestJpeg } from "@rapidphoto/server/testing/jpeg";
import { photos, uploadJobs } from "../../../apps/server/src/db/schema.js";
import { newId } from "../../../apps/server/src/ids.js";

const INSERT_BATCH = 500;
const WRITE_CONCURRENCY = 16;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A finished library of `count` photos for one user, written straight into the server's database
 * and storage (uploading 10,000 files through the browser would measure uploading, not scrolling):
 * one COMPLETED job, photos taken one every ~9 hours back from now (so the grid has many month
 * groups), each with its own small thumbnail object (distinct URLs, so the browser decodes each).
 */
export async function seedLibrary(server: TestServer, userId: string, count: number): Promise<void> {
  const db = server.app.database.db;
  const storage = server.app.storage;
  const jobId = newId("job");
  const now = Date.now();
  const thumbBytes = await makeTestJpeg({ width: 256, height: 192 });
  await db.insert(uploadJobs).values({
    id: jobId,
    userId,
    status: "COMPLETED",
    seq: 1,
    totalCount: count,
    completedCount: count,
    totalBytes: count * thumbBytes.length,
  });
  for (let start = 0; start < count; start += INSERT_BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + INSERT_BATCH); i++) {
      const id = newId("ph");
      rows.push({
        id,
        jobId,
        userId,
        clientId: null,
        position: i,
        filename: `IMG_${String(i).padStart(5, "0")}.jpg`,
        mimeType: "image/jpeg",
        bytes: thumbBytes.length,
        status: "COMPLETED",
        storageKey: originalKey(userId, id),
        uploadMethod: "PUT",
        bytesSent: thumbBytes.length,
        width: 256,
        height: 192,
        takenAt: new Date(now - i * (DAY_MS / 2.7)),
        thumbSmallKey: thumbnailKey(userId, id, "small"),
        thumbLargeKey: thumbnailKey(userId, id, "large"),
      });
    }
    await db.insert(photos).values(rows);
    for (let i = 0; i < rows.length; i += WRITE_CONCURRENCY) {
      await Promise.all(
        rows.slice(i, i + WRITE_CONCURRENCY).map(async (row) => {
          // Same picture, distinct bytes (the generator stamps a unique id into each copy).
          const bytes = await makeTestJpeg({ width: 256, height: 192 });
          await storage.write(row.thumbSmallKey, bytes, { contentType: "image/jpeg" });
        }),
      );
    }
  }
}
