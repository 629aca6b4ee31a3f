import { createHash } from "node:crypto";
import type { PhotoStatus } from "@rapidphoto/protocol";
import { makeTestJpeg } from "@rapidphoto/server/testing/jpeg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesSource, type Uploader } from "../src/index.js";
import { type Harness, startHarness, until } from "./support/harness.js";

/** Photos the processing worker fails or completes, with the server's pushes fed to the engine. */
describe("retry after the server failed a photo, against the real server with its worker", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ processing: true });
  });
  afterAll(() => h?.close());

  /** Every push for the user goes to the engine, as the web app's live sync does. */
  const live = (uploader: Uploader) =>
    h.server.app.events.subscribe((event) => {
      if (event.userId === h.userId && "message" in event) uploader.applyServerMessage(event.message);
    });
  const settled = (uploader: Uploader, id: string, status: PhotoStatus) =>
    until(uploader, (s) => s.files[id]?.status === status);
  const job = (jobId: string) => h.api.getJob(jobId, new AbortController().signal);

  it("sends the same photo again; the server fails it again, and the job still holds one photo", async () => {
    const uploader = h.uploader();
    const stop = live(uploader);
    const text = new TextEncoder().encode("Shopping list: milk, eggs.\n".repeat(40));
    const [id] = uploader.add([bytesSource(text, { name: "notes.jpg", type: "image/jpeg" })]);
    await settled(uploader, id!, "FAILED");
    const first = uploader.store.getState().files[id!]!;
    const { photoId, jobId } = first;
    const view = await job(jobId!);
    expect(first.error).toEqual({ code: "SERVER", message: view.photos[0]!.errorMessage });
    expect(first.error!.message).toMatch(/not a readable image/);

    uploader.retry(id);
    await until(uploader, (s) => s.files[id!]?.status === "QUEUED" || s.files[id!]?.status === "UPLOADING");
    await settled(uploader, id!, "FAILED");
    stop();
    const again = uploader.store.getState().files[id!]!;
    expect(again).toMatchObject({ photoId, jobId, error: { code: "SERVER", message: first.error!.message } });
    const puts = h.proxy.log.filter((e) => e.method === "PUT" && e.photoId === photoId && e.status === 200);
    expect(puts).toHaveLength(2);
    expect(await job(jobId!)).toMatchObject({
      status: "FAILED",
      totalCount: 1,
      queuedCount: 0,
      uploadingCount: 0,
      processingCount: 0,
      completedCount: 0,
      failedCount: 1,
      cancelledCount: 0,
      photos: [{ photoId, status: "FAILED" }],
    });
  });

  it("a photo whose first bytes were not an image completes once the right bytes are retried", async () => {
    const uploader = h.uploader();
    const stop = live(uploader);
    const jpeg = await makeTestJpeg({ width: 64, height: 48 });
    const bytes = new Uint8Array(jpeg.length); // zeros first: stored, then failed by the worker
    const [id] = uploader.add([bytesSource(bytes, { name: "fixed.jpg", type: "image/jpeg" })]);
    await settled(uploader, id!, "FAILED");
    const { photoId, jobId } = uploader.store.getState().files[id!]!;

    bytes.set(jpeg); // the source is read again on retry
    uploader.retry(id);
    await settled(uploader, id!, "COMPLETED");
    stop();
    expect(uploader.store.getState().files[id!]).toMatchObject({ photoId, error: null, bytesSent: jpeg.length });
    expect(await h.storedSha256(photoId!)).toBe(createHash("sha256").update(jpeg).digest("hex"));
    expect(await job(jobId!)).toMatchObject({ status: "COMPLETED", totalCount: 1, completedCount: 1, failedCount: 0 });
  });
});
