import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readExif } from "./exif.js";

/** The raw EXIF block sharp extracts from an image carrying these tags, as the pipeline sees it. */
async function exifBlockOf(exif: sharp.Exif, format: "jpeg" | "png" | "webp" = "jpeg"): Promise<Buffer | undefined> {
  const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } })
    .toFormat(format)
    .withExif(exif)
    .toBuffer();
  return (await sharp(image).metadata()).exif;
}

const CAMERA: sharp.Exif = {
  IFD0: { Make: "Canon\0\0", Model: "EOS R5", Software: "x".repeat(1000) },
  IFD2: {
    DateTimeOriginal: "2023:05:01 12:34:56",
    OffsetTimeOriginal: "+02:00",
    ISOSpeedRatings: "400",
    FNumber: "28/10",
    ExposureTime: "1/250",
    FocalLength: "50/1",
    LensModel: "RF24-70mm F2.8 L IS USM",
  },
  IFD3: {
    GPSLatitudeRef: "S",
    GPSLatitude: "33/1 51/1 3540/100",
    GPSLongitudeRef: "E",
    GPSLongitude: "151/1 12/1 3000/100",
  },
};

describe("readExif", () => {
  it("keeps the useful camera tags, JSON-safe", async () => {
    const { exif, takenAt } = await readExif(await exifBlockOf(CAMERA), 1);

    expect(exif).toMatchObject({
      Make: "Canon", // NUL padding stripped: jsonb rejects \u0000
      Model: "EOS R5",
      LensModel: "RF24-70mm F2.8 L IS USM",
      ISO: 400,
      FNumber: 2.8,
      ExposureTime: 0.004,
      FocalLength: 50,
      DateTimeOriginal: "2023-05-01T12:34:56+02:00",
      Orientation: 1,
    });
    expect(exif?.latitude).toBeCloseTo(-33.8598, 4);
    expect(exif?.longitude).toBeCloseTo(151.2083, 4);
    expect(exif?.Software).toHaveLength(256);
    expect(JSON.parse(JSON.stringify(exif))).toEqual(exif);
    expect(takenAt).toEqual(new Date("2023-05-01T10:34:56Z"));
  });

  it("reads the EXIF of PNG and WebP files too", async () => {
    for (const format of ["png", "webp"] as const) {
      const { exif } = await readExif(await exifBlockOf({ IFD0: { Make: "Sony" } }, format), undefined);
      expect(exif?.Make).toBe("Sony");
    }
  });

  it("falls back to CreateDate for takenAt", async () => {
    const { takenAt, exif } = await readExif(
      await exifBlockOf({ IFD2: { DateTimeDigitized: "2020:01:02 03:04:05" } }),
      1,
    );
    expect(takenAt).toEqual(new Date("2020-01-02T03:04:05Z"));
    expect(exif?.CreateDate).toBe("2020-01-02T03:04:05");
  });

  it("drops 0,0 GPS written by phones without a fix", async () => {
    const block = await exifBlockOf({
      IFD0: { Make: "Phone" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "0/1 0/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "0/1 0/1 0/1" },
    });
    const { exif } = await readExif(block, undefined);
    expect(exif).toEqual({ Make: "Phone" });
  });

  it("returns nulls without EXIF, and records a meaningful orientation alone", async () => {
    expect(await readExif(undefined, undefined)).toEqual({ exif: null, takenAt: null });
    expect(await readExif(undefined, 1)).toEqual({ exif: null, takenAt: null });
    expect(await readExif(undefined, 6)).toEqual({ exif: { Orientation: 6 }, takenAt: null });
  });

  it("treats garbage as no EXIF", async () => {
    const garbage = [
      Buffer.from("Exif\0\0II*\0\xff\xff\xff\xff garbage", "latin1"),
      Buffer.from("MM\0*\0\0\0\x08\0\x05", "latin1"),
      Buffer.from("not exif at all"),
      Buffer.alloc(0),
    ];
    for (const block of garbage) {
      expect(await readExif(block, undefined)).toEqual({ exif: null, takenAt: null });
    }
  });
});
