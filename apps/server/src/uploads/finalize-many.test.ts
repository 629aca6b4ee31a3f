import type { PhotoStatus } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import type { PhotoRow } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { createKeyedLock } from "../storage/keyed-lock.js";
import { StorageError } from "../storage/storage.js";
import { createFinalizeMany, type FinalizeManyDeps, withLocks } from "./finalize-upload.js";

/**
 * What each photo does when staged (checked and its bytes moved), by id: go on to the transition
 * (in its job), answer as it already is, or throw. `raced`: another finalize or a cancel changed it
 * between its checks and the transition, so the transition does not move it.
 */
type Fake = { job?: string; throws?: Error; alreadyStored?: boolean; raced?: PhotoStatus };

function fakeDeps(photos: Record<string, Fake>, overrides: Partial<FinalizeManyDeps> = {}) {
  const log: string[] = [];
  const deps: FinalizeManyDeps = {
    async ownedIds(_userId, photoIds) {
      log.push(`owned? ${photoIds.join(",")}`);
      return new Set(photoIds.filter((id) => id in photos));
    },
    async withLocks(photoIds, work) {
      log.push(`lock ${photoIds.join(",")}`);
      try {
        return await work();
      } finally {
        log.push("unlock");
      }
    },
    async stage(_userId, photoId) {
      const fake = photos[photoId] as Fake;
      log.push(`stage ${photoId}`);
      if (fake.throws) throw fake.throws;
      if (fake.alreadyStored) return { answer: { photoId, status: "COMPLETED" } };
      return { photo: { id: photoId, jobId: fake.job ?? "job_1" } as PhotoRow };
    },
    async toProcessing(jobId, staged) {
      log.push(`to processing ${jobId}: ${staged.map((p) => p.id).join(",")}`);
      return new Set(staged.filter((p) => !photos[p.id]?.raced).map((p) => p.id));
    },
    async statusNow(_userId, photoId) {
      return photos[photoId]?.raced as PhotoStatus;
    },
    async holdJob(jobId) {
      log.push(`hold ${jobId}`);
    },
    ...overrides,
  };
  return { finalizeMany: createFinalizeMany(deps), log };
}

describe("finalize many", () => {
  it("answers a refusal per photo and fails the whole request on anything else (safe to send again)", async () => {
    const { finalizeMany, log } = fakeDeps({
      ph_ok: {},
      ph_refused: { throws: new AppError("UPLOAD_INCOMPLETE", "short") },
      ph_storage: { throws: new StorageError("UNAVAILABLE", "down") },
      ph_database: { throws: new Error("connection terminated") },
    });
    await expect(finalizeMany("u", ["ph_ok", "ph_refused", "ph_storage"])).resolves.toEqual({
      results: [
        { photoId: "ph_ok", status: "PROCESSING" },
        { photoId: "ph_refused", error: { status: 409, code: "UPLOAD_INCOMPLETE", message: "short" } },
        { photoId: "ph_storage", error: expect.objectContaining({ status: 503, code: "STORAGE_UNAVAILABLE" }) },
      ],
    });
    log.length = 0;
    await expect(finalizeMany("u", ["ph_ok", "ph_database"])).rejects.toThrow("connection terminated");
    // The locks are let go, and nothing of the failed request is held: the client sends it again.
    expect(log).toContain("unlock");
    expect(log.filter((line) => line.startsWith("hold"))).toEqual([]);
  });

  it("hands each job's photos to processing in one transition under all their locks, then holds each job once", async () => {
    const { finalizeMany, log } = fakeDeps({
      b2: { job: "job_a" },
      c1: { job: "job_b" },
      earlier: { alreadyStored: true },
      a1: { job: "job_a" },
    });
    const { results } = await finalizeMany("u", ["b2", "c1", "earlier", "a1"]);
    expect(results).toEqual([
      { photoId: "b2", status: "PROCESSING" },
      { photoId: "c1", status: "PROCESSING" },
      { photoId: "earlier", status: "COMPLETED" },
      { photoId: "a1", status: "PROCESSING" },
    ]);
    const staging = log.filter((line) => line.startsWith("stage"));
    expect(log).toEqual([
      "owned? b2,c1,earlier,a1",
      "lock a1,b2,c1,earlier", // in id order, so two requests sharing photos never wait in a circle
      ...staging,
      "to processing job_a: b2,a1",
      "to processing job_b: c1",
      "unlock",
      "hold job_a",
      "hold job_b",
    ]);
  });

  it("reads whose photos they are once and refuses someone else's as missing, without locking or staging it", async () => {
    const { finalizeMany, log } = fakeDeps({ mine: {} });
    await expect(finalizeMany("u", ["mine", "theirs"])).resolves.toEqual({
      results: [
        { photoId: "mine", status: "PROCESSING" },
        { photoId: "theirs", error: expect.objectContaining({ status: 404, code: "PHOTO_NOT_FOUND" }) },
      ],
    });
    expect(log.slice(0, 3)).toEqual(["owned? mine,theirs", "lock mine", "stage mine"]);
  });

  it("answers a photo changed between its checks and the transition as it is now, or refuses it as on its own", async () => {
    const { finalizeMany, log } = fakeDeps({
      moved: {},
      finalizedElsewhere: { raced: "PROCESSING" },
      cancelled: { raced: "CANCELLED" },
    });
    await expect(finalizeMany("u", ["moved", "finalizedElsewhere", "cancelled"])).resolves.toEqual({
      results: [
        { photoId: "moved", status: "PROCESSING" },
        { photoId: "finalizedElsewhere", status: "PROCESSING" },
        { photoId: "cancelled", error: expect.objectContaining({ status: 409, code: "ILLEGAL_TRANSITION" }) },
      ],
    });
    expect(log.filter((line) => line.startsWith("hold"))).toEqual(["hold job_1"]);
  });

  it("holds no job when the transition moved none of its photos", async () => {
    const { finalizeMany, log } = fakeDeps({ a: { raced: "COMPLETED" } });
    await finalizeMany("u", ["a"]);
    expect(log.filter((line) => line.startsWith("hold"))).toEqual([]);
  });

  it("fails the request when the transition or the hold fails (the database gone)", async () => {
    const down = async () => {
      throw new Error("connection terminated");
    };
    await expect(fakeDeps({ a: {} }, { toProcessing: down }).finalizeMany("u", ["a"])).rejects.toThrow(
      "connection terminated",
    );
    await expect(fakeDeps({ a: {} }, { holdJob: down }).finalizeMany("u", ["a"])).rejects.toThrow(
      "connection terminated",
    );
  });
});

/** Work that signals when it has started and ends when told to. */
function gate() {
  let started: () => void = () => {};
  let finish: () => void = () => {};
  const hasStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const work = () =>
    new Promise<void>((resolve) => {
      finish = resolve;
      started();
    });
  return { work, hasStarted, finish: () => finish() };
}

describe("withLocks", () => {
  it("holds every lock while the work runs and lets them all go when it fails", async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    const { work, hasStarted, finish } = gate();
    const held = withLocks(lock, ["a", "b"], async () => {
      await work();
      throw new Error("work failed");
    });
    await hasStarted;
    const onA = lock("a", async () => void events.push("a free"));
    const onB = lock("b", async () => void events.push("b free"));
    for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    expect(events).toEqual([]);
    finish();
    await expect(held).rejects.toThrow("work failed");
    await Promise.all([onA, onB]);
    expect(events.sort()).toEqual(["a free", "b free"]);
  });

  it("lets two holders of the same keys taken in the same order run one after the other, beside a single lock", async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    // One photo's finalize holds b; both requests then ask for a, b and c in id order.
    const { work, hasStarted, finish } = gate();
    const single = lock("b", work);
    await hasStarted;
    const first = withLocks(lock, ["a", "b", "c"], async () => void order.push("first"));
    const second = withLocks(lock, ["a", "b", "c"], async () => void order.push("second"));
    finish();
    await Promise.all([single, first, second]);
    expect(order).toEqual(["first", "second"]);
  });
});
