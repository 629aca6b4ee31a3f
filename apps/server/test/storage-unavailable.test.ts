import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { sendBytes, waitForJob } from "./upload-client.js";

/**
 * Storage that cannot be written is a retryable 503 STORAGE_UNAVAILABLE on every call that needs it
 * (PUT, job creation, finalize), never a 500; once it is back, the same requests succeed.
 */
describe("disk storage that cannot be written", () => {
  let server: TestServer;
  let token = "";
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    server = await startTestServer();
    token = (await server.register()).token;
  });
  afterAll(() => server?.close());

  /** tmp/ replaced by a file: every write starts there. Unlike chmod, this stops root too. */
  async function breakStorage(): Promise<() => Promise<void>> {
    const tmp = path.join(server.dataDir, "tmp");
    await rename(tmp, `${tmp}.away`);
    await writeFile(tmp, "not a directory");
    return async () => {
      await rm(tmp);
      await rename(`${tmp}.away`, tmp);
    };
  }

  const createJob = (files: { filename: string; bytes: number }[]) =>
    server.api("POST", "/commands/upload-jobs", {
      token,
      body: { files: files.map((f) => ({ ...f, mimeType: "image/jpeg" })) },
    });

  it("answers PUT, job creation and finalize with 503 STORAGE_UNAVAILABLE, and recovers", async () => {
    const first = await makeTestJpeg({ width: 64, height: 48 });
    const second = await makeTestJpeg({ width: 64, height: 48 });
    const created = await createJob([
      { filename: "a.jpg", bytes: first.length },
      { filename: "b.jpg", bytes: second.length },
    ]);
    expect(created.status).toBe(201);
    const [a, b] = created.body.items;
    await sendBytes(server, token, a, first); // stored before the fault; finalized during it

    const restore = await breakStorage();
    try {
      const put = await fetch(b.url, { method: "PUT", body: second, headers: b.headers });
      expect(put.status).toBe(503);
      expect(await put.json()).toMatchObject({ code: "STORAGE_UNAVAILABLE" });

      const finalize = await server.api("POST", `/commands/upload/${a.photoId}/finalize`, { token, body: {} });
      expect(finalize.status).toBe(503);
      expect(finalize.body.code).toBe("STORAGE_UNAVAILABLE");

      const big = await createJob([{ filename: "big.jpg", bytes: 9 * MiB }]);
      expect(big.status).toBe(503);
      expect(big.body.code).toBe("STORAGE_UNAVAILABLE");

      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await restore();
    }

    // Storage is back: the same requests, retried as the engine would, now succeed.
    await sendBytes(server, token, b, second);
    for (const item of [a, b]) {
      const finalize = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, { token, body: {} });
      expect(finalize.status).toBe(202);
    }
    expect((await waitForJob(server, token, created.body.jobId)).status).toBe("COMPLETED");
    expect((await createJob([{ filename: "big.jpg", bytes: 9 * MiB }])).status).toBe(201);
  });
});
