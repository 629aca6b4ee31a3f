import { describe, expect, it } from "vitest";
import { CreateJobRequest, Filename } from "./uploads.js";

describe("Filename", () => {
  it.each([
    ["a right-to-left override", "photo\u202Egpj.exe"],
    ["a left-to-right embedding", "\u202Aphoto.jpg"],
    ["a pop directional formatting", "photo\u202C.jpg"],
    ["a first-strong isolate", "\u2068photo.jpg"],
    ["a pop directional isolate", "photo\u2069.jpg"],
    ["a lone high surrogate", "photo\uD83D.jpg"],
    ["a lone low surrogate at the start", "\uDE00photo.jpg"],
    ["a low surrogate before its high one", "\uDE00\uD83D.jpg"],
  ])("refuses %s", (_what, name) => {
    expect(Filename.safeParse(name).success).toBe(false);
  });

  it.each([
    ["an emoji (a proper surrogate pair)", "\u{1F600} holiday.jpg"],
    ["Arabic with a right-to-left mark", "صورة\u200F.jpg"],
    ["Hebrew", "תמונה.jpg"],
    ["accents", "été 2024.jpg"],
  ])("accepts %s", (_what, name) => {
    expect(Filename.safeParse(name).success).toBe(true);
  });
});

describe("CreateJobRequest", () => {
  const file = (clientId?: string) => ({ filename: "a.jpg", mimeType: "image/jpeg", bytes: 10, clientId });

  it("refuses two files with one clientId, naming the second", () => {
    const result = CreateJobRequest.safeParse({ files: [file("x"), file("y"), file("x")] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ["files", 2, "clientId"] })]);
  });

  it("accepts distinct clientIds and files without one", () => {
    expect(CreateJobRequest.safeParse({ files: [file("x"), file("y"), file(), file()] }).success).toBe(true);
  });
});
