import { describe, expect, it } from "vitest";
import { AppError } from "../http/app-error.js";
import { StorageError } from "../storage/storage.js";
import { createFinalizeMany } from "./finalize-upload.js";

describe("finalize many, per photo", () => {
  it("answers a refusal per photo and fails the whole request on anything else (safe to send again)", async () => {
    const seen: string[] = [];
    const finalizeMany = createFinalizeMany(async (_userId, photoId) => {
      seen.push(photoId);
      if (photoId === "ph_refused") throw new AppError("UPLOAD_INCOMPLETE", "short");
      if (photoId === "ph_storage") throw new StorageError("UNAVAILABLE", "down");
      if (photoId === "ph_database") throw new Error("connection terminated");
      return { photoId, status: "PROCESSING" };
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
  });
});
