import { createHash } from "node:crypto";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photos, uploadJobs } from "../src/db/schema.js";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { DATABASE_BACKENDS } from "../testing/services.js";
import { uploadAndFinalize, waitForJob } from "./upload-client.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const jpegFile = (filename: string, bytes: Buffer, clientId?: string) => ({
  filename,
  mimeType: "image/jpeg",
  bytes: bytes.length,
  sha256: sha256(bytes),
  ...(clientId ? { clientId } : {}),
});

for (const backend of DATABASE_BACKENDS) {
  describe(`content-hash dedupe (${backend.name})`, () => {
    let server: TestServer | undefined;
    let drop: (() => Promise<void>) | undefined;
    let alice: { token: string; userId: string };
    let bob: { token: string; userId: string };
    let inLibrary: Buffer;
    let inLibraryId: string;

    beforeAll(async () => {
      const db = await backend.database();
      if (db === undefined) return; // PostgreSQL missing outside CI (services.ts fails it under CI)
      drop = db?.drop;
      server = await startTestServer({ env: db ? { DATABASE_URL: db.url } : {} });
      alice = await server.register();
      bob = await server.register();
      inLibrary = await makeTestJpeg({ width: 64, height: 48 });
      const created = await createJob(alice.token, [jpegFile("first.jpg", inLibrary)]);
      expect(created.body.duplicates).toEqual([]);
      inLibraryId = created.body.items[0].photoId;
      await uploadAndFinalize(server, alice.token, created.body.items[0], inLibrary);
      const job = await waitForJob(server, alice.token, created.body.jobId);
      expect(job.photos[0].status).toBe("COMPLETED");
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await drop?.();
    });

    const createJob = (token: string, files: unknown[]) =>
      (server as TestServer).api("POST", "/commands/upload-jobs", { token, body: { files } });

    async function rowCounts() {
      const db = (server as TestServer).app.database.db;
      const [j] = await db.select({ n: count() }).from(uploadJobs);
      const [p] = await db.select({ n: count() }).from(photos);
      return { jobs: j?.n, photos: p?.n };
    }

    it("answers a file already in the library with its photo and issues no URL for it", async ({ skip }) => {
      if (!server) skip();
      const fresh = await makeTestJpeg({ width: 32, height: 32 });
      const res = await createJob(alice.token, [
        jpegFile("again.jpg", inLibrary, "c-again"),
        jpegFile("new.jpg", fresh, "c-new"),
      ]);
      expect(res.status).toBe(201);
      expect(res.body.duplicates).toEqual([
        { index: 0, clientId: "c-again", photoId: inLibraryId, status: "COMPLETED", inTrash: false },
      ]);
      expect(res.body.items.map((i: { clientId: string }) => i.clientId)).toEqual(["c-new"]);
      const job = await server?.api("GET", `/queries/upload-jobs/${res.body.jobId}`, { token: alice.token });
      expect(job?.body).toMatchObject({ totalCount: 1, totalBytes: fresh.length });
    });

    it("creates no job when every file is already there", async ({ skip }) => {
      if (!server) skip();
      const before = await rowCounts();
      const res = await createJob(alice.token, [jpegFile("a.jpg", inLibrary), jpegFile("b.jpg", inLibrary)]);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        jobId: null,
        items: [],
        duplicates: [
          { index: 0, clientId: null, photoId: inLibraryId, status: "COMPLETED", inTrash: false },
          { index: 1, clientId: null, photoId: inLibraryId, status: "COMPLETED", inTrash: false },
        ],
      });
      expect(await rowCounts()).toEqual(before);
    });

    it("never matches another user's photos", async ({ skip }) => {
      if (!server) skip();
      const res = await createJob(bob.token, [jpegFile("mine-too.jpg", inLibrary)]);
      expect(res.status).toBe(201);
      expect(res.body.duplicates).toEqual([]);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0].photoId).not.toBe(inLibraryId);
    });

    it("uploads a file listed twice in one request once", async ({ skip }) => {
      if (!server) skip();
      const twice = await makeTestJpeg({ width: 20, height: 20 });
      const res = await createJob(alice.token, [jpegFile("one.jpg", twice, "x1"), jpegFile("two.jpg", twice, "x2")]);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.duplicates).toEqual([
        { index: 1, clientId: "x2", photoId: res.body.items[0].photoId, status: "QUEUED", inTrash: false },
      ]);
    });

    it("fails a photo whose stored bytes do not match the declared sha256, saying so", async ({ skip }) => {
      if (!server) skip();
      const picked = await makeTestJpeg({ width: 40, height: 30 });
      const sent = await makeTestJpeg({ width: 40, height: 30 });
      expect(sent.length).toBe(picked.length);
      expect(sha256(sent)).not.toBe(sha256(picked));
      const res = await createJob(alice.token, [jpegFile("swapped.jpg", picked)]);
      await uploadAndFinalize(server as TestServer, alice.token, res.body.items[0], sent);
      const job = await waitForJob(server as TestServer, alice.token, res.body.jobId);
      expect(job.photos[0].status).toBe("FAILED");
      const detail = await server?.api("GET", `/queries/photos/${res.body.items[0].photoId}`, { token: alice.token });
      expect(detail?.body.errorMessage).toBe(
        `The stored file does not match the one that was picked: its SHA-256 is ${sha256(sent)}, ` +
          `but ${sha256(picked)} was declared when the upload started. Pick the file again.`,
      );
      // A failed photo is not in the library: the right file can be uploaded afterwards.
      const again = await createJob(alice.token, [jpegFile("swapped.jpg", picked)]);
      expect(again.body.duplicates).toEqual([]);
    });

    it("names a photo in Trash as in Trash, so it can be restored instead", async ({ skip }) => {
      if (!server) skip();
      const trashed = await makeTestJpeg({ width: 24, height: 24 });
      const created = await createJob(alice.token, [jpegFile("bin.jpg", trashed)]);
      const photoId = created.body.items[0].photoId;
      await uploadAndFinalize(server as TestServer, alice.token, created.body.items[0], trashed);
      await waitForJob(server as TestServer, alice.token, created.body.jobId);
      const moved = await server?.api("POST", `/commands/photos/${photoId}/trash`, { token: alice.token });
      expect(moved?.status).toBe(200);
      const res = await createJob(alice.token, [jpegFile("bin.jpg", trashed)]);
      expect(res.body.duplicates).toEqual([{ index: 0, clientId: null, photoId, status: "COMPLETED", inTrash: true }]);
    });

    it("refuses a sha256 that is not 64 lowercase hex characters", async ({ skip }) => {
      if (!server) skip();
      for (const bad of ["ABC", "A".repeat(64), "g".repeat(64), "a".repeat(63)]) {
        const res = await createJob(alice.token, [
          { filename: "a.jpg", mimeType: "image/jpeg", bytes: 10, sha256: bad },
        ]);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toContain("sha256 must be 64 lowercase hex characters.");
      }
    });
  });
}
