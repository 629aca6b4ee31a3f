import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertValidKey, diskLayout, metaPath, newUploadId, objectPath, uploadDir } from "./disk-paths.js";
import { StorageError } from "./storage.js";

describe("disk paths", () => {
  const layout = diskLayout("/data/store");

  it("maps keys inside the objects and meta trees", () => {
    expect(objectPath(layout, "u/user_1/ph_2/original")).toBe("/data/store/objects/u/user_1/ph_2/original");
    expect(metaPath(layout, "u/user_1/ph_2/thumb-256.webp")).toBe(
      "/data/store/meta/u/user_1/ph_2/thumb-256.webp~.json",
    );
  });

  it.each([
    "../x",
    "a/../../x",
    "/etc/passwd",
    "a//b",
    "./a",
    "a/.",
    "..",
    "a\\b",
    "a%2F..",
    "",
    "a/",
    "tab\tkey",
    "ümlaut",
    "x".repeat(1025),
  ])("rejects key %j", (key) => {
    expect(() => assertValidKey(key)).toThrow(StorageError);
    expect(() => objectPath(layout, key)).toThrow(expect.objectContaining({ code: "INVALID_KEY" }));
  });

  it("keeps every valid key under its root", () => {
    for (const key of ["a", "a.b/c_d-e", "...", "a/..b/c..", "x".repeat(1024)]) {
      expect(objectPath(layout, key).startsWith(layout.objects + path.sep)).toBe(true);
    }
  });

  it("knows upload ids it could have issued, and no others", () => {
    const id = newUploadId();
    expect(uploadDir(layout, id)).toBe(`/data/store/multipart/${id}`);
    for (const bad of ["../objects", "short", `${id}/x`, ""]) {
      expect(() => uploadDir(layout, bad)).toThrow(expect.objectContaining({ code: "NO_SUCH_UPLOAD" }));
    }
  });
});
