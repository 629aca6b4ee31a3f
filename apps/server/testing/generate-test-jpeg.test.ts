import { createHash } from "node:crypto";
import exifr from "exifr";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { makeTestJpeg } from "./generate-test-jpeg.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("makeTestJpeg", () => {
  it("hits the target size exactly with a JPEG that decodes strictly", async () => {
    const jpeg = await makeTestJpeg({ width: 2000, height: 1500, targetBytes: 2_000_000 });

    expect(jpeg.length).toBe(2_000_000);
    const { data, info } = await sharp(jpeg, { failOn: "warning" }).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2000, 1500, 3]);
    expect(data.length).toBe(2000 * 1500 * 3);
  });

  it("returns a distinct file on every call, with the same pixels and size", async () => {
    const options = { width: 400, height: 300, targetBytes: 100_000 };
    const files = await Promise.all(Array.from({ length: 20 }, () => makeTestJpeg(options)));

    expect(new Set(files.map(sha256)).size).toBe(20);
    expect(new Set(files.map((f) => f.length))).toEqual(new Set([100_000]));
    const [first, second] = await Promise.all(files.slice(0, 2).map((f) => sharp(f).raw().toBuffer()));
    expect(first!.equals(second!)).toBe(true);
  });

  it("pads a small image up to a large target with comment segments", async () => {
    const jpeg = await makeTestJpeg({ width: 32, height: 32, targetBytes: 150_000 });

    expect(jpeg.length).toBe(150_000); // spans several 64 KiB comment segments
    expect((await sharp(jpeg, { failOn: "warning" }).metadata()).width).toBe(32);
  });

  it("writes the requested EXIF and orientation where readers find them", async () => {
    const jpeg = await makeTestJpeg({
      width: 300,
      height: 200,
      exif: { IFD0: { Make: "Canon", Model: "EOS R5" }, IFD2: { DateTimeOriginal: "2024:01:02 03:04:05" } },
      orientation: 6,
    });

    const tags = await exifr.parse(jpeg, { reviveValues: false });
    expect(tags).toMatchObject({ Make: "Canon", Model: "EOS R5", DateTimeOriginal: "2024:01:02 03:04:05" });
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
  });

  it("uses quality 90 and no padding without a target", async () => {
    const jpeg = await makeTestJpeg({ width: 200, height: 100 });
    expect((await sharp(jpeg).metadata()).format).toBe("jpeg");
  });
});
