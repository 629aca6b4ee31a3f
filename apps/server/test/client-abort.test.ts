import { readdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { uploadKey } from "../src/uploads/upload-storage.js";
import { startTestServer, type TestServer } from "../testing/index.js";

/** Sends part of a body to a signed URL, then drops the connection, as a paused upload does. */
function abortMidBody(url: string, declared: number, sent: number, headers: Record<string, string> = {}) {
  const u = new URL(url);
  return new Promise<void>((resolve) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      method: "PUT",
      path: u.pathname + u.search,
      headers: { "content-length": declared, ...headers },
    });
    req.on("error", () => resolve());
    req.write(Buffer.alloc(sent, 1), () =>
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50),
    );
  });
}

describe("a client that drops an upload mid-body", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("leaves no partial object or part behind, and the same URL still works afterwards", async () => {
    const { token } = await server.register();
    const size = 3_000_000;
    const job = await server.api("POST", "/commands/upload-jobs", {
      token,
      body: {
        files: [
          { filename: "a.jpg", mimeType: "image/jpeg", bytes: size },
          { filename: "b.jpg", mimeType: "image/jpeg", bytes: 20_000_000 },
        ],
      },
    });
    const [put, multipart] = job.body.items;
    const parts = await server.api("POST", `/commands/upload/${multipart.photoId}/parts`, {
      token,
      body: { partNumbers: [1] },
    });
    const partUrl = parts.body.urls[0].url;
    const partSize = multipart.multipart.partSize;

    for (let i = 0; i < 5; i++) {
      await abortMidBody(put.url, size, size / 3, put.headers);
      await abortMidBody(partUrl, partSize, partSize / 4);
    }
    const storage = server.app.storage;
    // Clean-up runs as each dropped connection closes.
    await vi.waitFor(async () => expect(await readdir(path.join(server.dataDir, "tmp"))).toEqual([]), {
      timeout: 10_000,
    });
    const row = await server.app.database.db.query.photos.findFirst({
      where: (p, { eq }) => eq(p.id, multipart.photoId),
    });
    const listed = await storage.listParts(uploadKey(row!), multipart.multipart.uploadId);
    expect(listed).toEqual([]);
    const early = await server.api("POST", `/commands/upload/${put.photoId}/finalize`, { token, body: {} });
    expect(early.status).toBe(409); // nothing half-written counts as the object

    // The upload can simply be sent again.
    const ok = await fetch(put.url, { method: "PUT", body: Buffer.alloc(size, 2), headers: put.headers });
    expect(ok.status).toBe(200);
    const part = await fetch(partUrl, { method: "PUT", body: Buffer.alloc(partSize, 3) });
    expect(part.status).toBe(200);
  });
});
