import { originalKey, stagingKey } from "@rapidphoto/server/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Uploader } from "../src/index.js";
import type { ProxiedRequest } from "./fault-proxy.js";
import { type Harness, startHarness, until } from "./support/harness.js";

const MiB = 1024 * 1024;
const SIZE = 60 * MiB + 4_321; // 8 parts of 8 MiB, the last one short
/** Slow enough that the other parts are surely mid-way when part 1 has finished. */
const SLOW = 4 * MiB;

describe("pause, resume, cancel and retry against the real server", () => {
  let h: Harness;
  let slow: boolean;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());
  beforeEach(() => {
    slow = true;
    // Part 1 goes through at full speed, the others crawl: part 1 finishing means the rest are mid-part.
    h.proxy.rule = (r: ProxiedRequest) =>
      slow && r.partNumber !== null && r.partNumber > 1 ? { kind: "pass", bytesPerSecond: SLOW } : { kind: "pass" };
  });

  const putsOf = (photoId: string) => h.proxy.log.filter((e) => e.method === "PUT" && e.photoId === photoId);
  const fileOf = (u: Uploader, id: string) => u.store.getState().files[id]!;

  it("pause mid-multipart keeps the stored parts; resume sends only the missing ones", async () => {
    const file = await h.randomFile("pause.jpg", SIZE);
    const uploader = h.uploader({ progressReportMs: 50 });
    const [id] = uploader.add([file.source]);
    await until(uploader, (s) => (s.files[id!]?.partsDone ?? 0) >= 1 && s.files[id!]!.bytesSent > 9 * MiB);

    uploader.pause(id);
    await uploader.whenIdle();
    const paused = fileOf(uploader, id!);
    const photoId = paused.photoId!;
    // Storage is the truth: a part whose request the pause cut may still have been stored whole
    // (its answer lost), and resume must not send it again.
    const uploadId = h.jobs.find((j) => j.jobId === paused.jobId)!.items[0]!.multipart!.uploadId;
    const listed = await h.server.app.storage.listParts(stagingKey(h.userId, photoId), uploadId);
    const storedBefore = new Set(listed.map((p) => p.partNumber));
    for (const part of h.proxy.storedParts(photoId)) expect(storedBefore).toContain(part);
    expect(paused).toMatchObject({ status: "UPLOADING", paused: true });
    expect(putsOf(photoId).some((e) => e.status === null)).toBe(true); // requests were cut mid-part
    // Bytes of the aborted requests were taken back: only whole stored parts count.
    expect(paused.bytesSent % (8 * MiB)).toBe(0);
    expect(paused.bytesSent).toBeLessThanOrEqual(storedBefore.size * 8 * MiB);
    // The server heard about the progress (best effort, but nothing here stops it).
    const view = await h.api.getJob(paused.jobId!, new AbortController().signal);
    expect(view.photos[0]).toMatchObject({ status: "UPLOADING" });
    expect(view.photos[0]!.progressPercent).toBeGreaterThan(0);

    slow = false;
    const logBefore = h.proxy.log.length;
    uploader.resume(id);
    await uploader.whenIdle();
    expect(fileOf(uploader, id!)).toMatchObject({ status: "PROCESSING", bytesSent: SIZE, paused: false });
    const afterResume = h.proxy.log.slice(logBefore).filter((e) => e.photoId === photoId);
    expect(afterResume.filter((e) => storedBefore.has(e.partNumber!))).toEqual([]);
    // Each part stored exactly once, and the object is the file.
    const storedAfter = afterResume.filter((e) => e.method === "PUT" && e.status === 200).map((e) => e.partNumber!);
    expect([...storedBefore, ...storedAfter].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await h.storedSha256(photoId)).toBe(file.sha256);
  });

  it("cancel mid-part aborts the requests and leaves no upload in storage", async () => {
    const file = await h.randomFile("cancel.jpg", SIZE);
    const uploader = h.uploader();
    const [id] = uploader.add([file.source]);
    await until(uploader, (s) => (s.files[id!]?.partsDone ?? 0) >= 1);
    const { photoId, jobId } = fileOf(uploader, id!);
    const uploadId = h.jobs.find((j) => j.jobId === jobId)!.items[0]!.multipart!.uploadId;

    await uploader.cancel(id);
    const logAfterCancel = h.proxy.log.length;
    expect(fileOf(uploader, id!)).toMatchObject({ status: "CANCELLED" });
    const storage = h.server.app.storage;
    const uploadKey = stagingKey(h.userId, photoId!); // where the parts went
    await expect(storage.listParts(uploadKey, uploadId)).rejects.toMatchObject({ code: "NO_SUCH_UPLOAD" });
    expect(await storage.head(uploadKey)).toBeNull();
    expect(await storage.head(originalKey(h.userId, photoId!))).toBeNull();
    const view = await h.api.getJob(jobId!, new AbortController().signal);
    expect(view.photos[0]).toMatchObject({ status: "CANCELLED" });
    await uploader.whenIdle();
    expect(h.proxy.log.length).toBe(logAfterCancel); // nothing more was sent
  });

  it("a failed file keeps its reason; retry reuses the parts already stored", async () => {
    const file = await h.randomFile("retry.jpg", SIZE);
    let refuse = true;
    h.proxy.rule = (r) => {
      if (refuse && r.partNumber === 4) return { kind: "status", status: 400, body: '{"code":"BAD","message":"no"}' };
      return r.partNumber !== null && r.partNumber > 1 && refuse
        ? { kind: "pass", bytesPerSecond: SLOW }
        : { kind: "pass" };
    };
    // Three parts at a time: part 1 is stored before part 4 is even tried.
    const uploader = h.uploader({ limits: { maxRequests: 3 } });
    const [id] = uploader.add([file.source]);
    await uploader.whenIdle();
    const failed = fileOf(uploader, id!);
    expect(failed).toMatchObject({ status: "FAILED", error: { code: "HTTP_400" } });
    expect(failed.error!.message).toMatch(/rejected/);
    const photoId = failed.photoId!;
    const storedBefore = new Set(h.proxy.storedParts(photoId));
    expect(storedBefore.size).toBeGreaterThan(0);

    refuse = false;
    const logBefore = h.proxy.log.length;
    uploader.retry(id);
    await uploader.whenIdle();
    expect(fileOf(uploader, id!)).toMatchObject({ status: "PROCESSING", bytesSent: SIZE, error: null });
    const afterRetry = h.proxy.log.slice(logBefore).filter((e) => e.photoId === photoId);
    expect(afterRetry.filter((e) => storedBefore.has(e.partNumber!))).toEqual([]);
    expect(h.proxy.storedParts(photoId).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await h.storedSha256(photoId)).toBe(file.sha256);
  });

  it("pause and resume everything, small files included", async () => {
    const files = await Promise.all(Array.from({ length: 12 }, (_, i) => h.randomFile(`p${i}.jpg`, 1 * MiB + i)));
    h.proxy.rule = () => (slow ? { kind: "pass", bytesPerSecond: SLOW } : { kind: "pass" });
    const uploader = h.uploader({ limits: { maxActiveFiles: 4, maxRequests: 3 } });
    const ids = uploader.add(files.map((f) => f.source));
    await until(uploader, (s) => Object.values(s.files).some((f) => f.status === "PROCESSING"));
    uploader.pause();
    await uploader.whenIdle();
    const state = uploader.store.getState();
    const notDone = ids.filter((id) => state.files[id]!.status !== "PROCESSING");
    expect(notDone.length).toBeGreaterThan(0);
    for (const id of notDone) expect(state.files[id]).toMatchObject({ paused: true, bytesSent: 0 });

    slow = false;
    uploader.resume();
    await uploader.whenIdle();
    const done = uploader.store.getState();
    expect(ids.map((id) => done.files[id]!.status)).toEqual(ids.map(() => "PROCESSING"));
    const stored = await Promise.all(ids.map((id) => h.storedSha256(done.files[id]!.photoId!)));
    expect(stored).toEqual(files.map((f) => f.sha256));
  });
});
