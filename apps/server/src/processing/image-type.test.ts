import { describe, expect, it } from "vitest";
import { IMAGE_FIXTURES, readFixture } from "../../testing/image-fixtures/catalogue.js";
import { sniffImageType } from "./image-type.js";

describe("sniffImageType", () => {
  it.each(Object.values(IMAGE_FIXTURES).map((f) => [f.file, f.realType]))("%s is %s", async (file, type) => {
    expect(await sniffImageType(await readFixture(file))).toEqual({ accepted: true, mimeType: type });
  });

  it("takes a HEIC image sequence (burst, live photo) as HEIC", async () => {
    const bytes = Buffer.from(await readFixture(IMAGE_FIXTURES.heic.file));
    bytes.write("hevc", 8, "latin1"); // the ftyp major brand of an image sequence
    expect(await sniffImageType(bytes)).toEqual({ accepted: true, mimeType: "image/heic" });
  });

  it.each([
    ["a PDF", Buffer.from("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n"), "pdf"],
    ["a ZIP", Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00".padEnd(64, "\0"), "latin1"), "zip"],
  ])("names %s, which is not an image we accept", async (_, bytes, ext) => {
    expect(await sniffImageType(bytes)).toEqual({ accepted: false, ext });
  });

  it("knows nothing of text", async () => {
    expect(await sniffImageType(Buffer.from("Dear diary, no photos today.\n"))).toEqual({ accepted: false, ext: null });
  });
});
