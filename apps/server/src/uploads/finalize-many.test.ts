import { describe, expect, it } from "vitest";
import { AppError } from "../http/app-error.js";
import { StorageError } from "../storage/storage.js";
import { createFinalizeMany, type Finalized } from "./finalize-upload.js";

const stored = (photoId: string, jobId: string | null): Finalized => ({
  response: { photoId, status: "PROCESSING" },
  storedInJob: jobId,
});
const allOwned = async (_userId: string, photoIds: readonly string[]) => new Set(photoIds);

describe("finalize many, per photo", () => {
  it("answers a refusal per photo and fails the whole request on anything else (safe to send again)", async () => {
    const seen: string[] = [];
    const held: string[] = [];
    const finalizeMany = createFinalizeMany({
      ownedIds: allOwned,
      finalizeOne: async (_userId, photoId) => {
        seen.push(photoId);
        if (photoId === "ph_refused") throw new AppError("UPLOAD_INCOMPLETE", "short");
        if (photoId === "ph_storage") throw new StorageError("UNAVAILABLE", "down");
        if (photoId === "ph_database") throw new Error("connection terminated");
        return stored(photoId, "job_1");
      },
      holdJob: async (jobId) => void held.push(jobId),
    });
    await expect(finalizeMany("u", ["ph_ok", "ph_refused", "ph_storage"])).resolves.toEqual({
      results: [
        { photoId: "ph_ok", status: "PROCESSING" },
        { photoId: "ph_refused", error: { status: 409, code: "UPLOAD_INCOMPLETE", message: "short" } },
        { photoId: "ph_storage", error: expect.objectContaining({ status: 503, code: "STORAGE_UNAVAILABLE" }) },
      ],
    });
    await expect(finalizeMany("u", ["ph_ok", "ph_database"])).rejects.toThrow("connection terminated");
    expect(seen).toContain("ph_database");
    // Only the request that answered held its job's photos; the failed one is sent again.
    expect(held).toEqual(["job_1"]);
  });

  it("keeps each job's held photos held once, after its photos, and not for photos stored before", async () => {
    const calls: string[] = [];
    const jobOf: Record<string, string | null> = { a1: "job_a", a2: "job_a", b1: "job_b", earlier: null };
    const finalizeMany = createFinalizeMany({
      ownedIds: allOwned,
      finalizeOne: async (_userId, photoId) => {
        calls.push(`finalize ${photoId}`);
        return stored(photoId, jobOf[photoId] ?? null);
      },
      holdJob: async (jobId) => void calls.push(`hold ${jobId}`),
    });
    await finalizeMany("u", ["a1", "b1", "earlier", "a2"]);
    expect(calls.slice(0, 4).sort()).toEqual(["finalize a1", "finalize a2", "finalize b1", "finalize earlier"]);
    expect(calls.slice(4)).toEqual(["hold job_a", "hold job_b"]);
  });

  it("fails the request when holding a job's photos fails (the database gone), after the photos are stored", async () => {
    const finalizeMany = createFinalizeMany({
      ownedIds: allOwned,
      finalizeOne: async (_userId, photoId) => stored(photoId, "job_1"),
      holdJob: async () => {
        throw new Error("connection terminated");
      },
    });
    await expect(finalizeMany("u", ["a"])).rejects.toThrow("connection terminated");
  });

  it("reads whose photos they are once, refuses someone else's as missing and finalizes the rest as checked", async () => {
    const asked: string[][] = [];
    const finalized: string[] = [];
    const finalizeMany = createFinalizeMany({
      ownedIds: async (_userId, photoIds) => {
        asked.push([...photoIds]);
        return new Set(photoIds.filter((id) => id !== "theirs"));
      },
      finalizeOne: async (_userId, photoId, _body, owned) => {
        finalized.push(`${photoId} owned=${owned}`);
        return stored(photoId, "job_1");
      },
      holdJob: async () => {},
    });
    await expect(finalizeMany("u", ["mine", "theirs"])).resolves.toEqual({
      results: [
        { photoId: "mine", status: "PROCESSING" },
        { photoId: "theirs", error: expect.objectContaining({ status: 404, code: "PHOTO_NOT_FOUND" }) },
      ],
    });
    expect(asked).toEqual([["mine", "theirs"]]);
    expect(finalized).toEqual(["mine owned=true"]);
  });
});
