import { readFile } from "node:fs/promises";

/**
 * Small photos in every format the contract accepts, made by make-image-fixtures.ts (committed,
 * so tests need neither heif-enc nor the script). Each is the same scene, stored 600×400:
 * quadrants red (top left), green (top right), blue (bottom left), white (bottom right).
 * "Rotated" fixtures are displayed turned 90° clockwise, so a correct thumbnail is 400×600 with
 * blue at its top left.
 */
export type ImageFixture = {
  file: string;
  /** The type a browser would declare from the extension. */
  mimeType: string;
  /** The type processing must record (what the bytes are). */
  realType: string;
  /** As displayed. */
  width: number;
  height: number;
  /** Colour of the displayed top-left corner. */
  topLeft: "red" | "blue" | "green";
  /** The EXIF processing must find; null for formats that carry none. */
  exif: { Make: string; Model: string; takenAt: string } | null;
};

/** The EXIF written into fixtures that carry it. */
export const FIXTURE_EXIF = {
  Make: "Apple",
  Model: "iPhone 15 Pro",
  DateTimeOriginal: "2024:05:17 14:03:22",
  OffsetTimeOriginal: "+02:00",
  takenAt: "2024-05-17T12:03:22.000Z",
} as const;

const exif = { Make: FIXTURE_EXIF.Make, Model: FIXTURE_EXIF.Model, takenAt: FIXTURE_EXIF.takenAt };
const upright = { width: 600, height: 400, topLeft: "red" } as const;
const rotated = { width: 400, height: 600, topLeft: "blue" } as const;

export const IMAGE_FIXTURES = {
  /** EXIF Orientation 6. */
  jpeg: { file: "photo.jpg", mimeType: "image/jpeg", realType: "image/jpeg", ...rotated, exif },
  png: { file: "photo.png", mimeType: "image/png", realType: "image/png", ...upright, exif },
  gif: { file: "photo.gif", mimeType: "image/gif", realType: "image/gif", ...upright, exif: null },
  webp: { file: "photo.webp", mimeType: "image/webp", realType: "image/webp", ...upright, exif },
  avif: { file: "photo.avif", mimeType: "image/avif", realType: "image/avif", ...upright, exif },
  /** EXIF IFD written by hand (libvips writes none); Orientation 6. */
  tiff: { file: "photo.tiff", mimeType: "image/tiff", realType: "image/tiff", ...rotated, exif },
  /** Like an iPhone's: HEVC, rotated by the irot box, EXIF Orientation 6 (informational). */
  heic: { file: "photo.heic", mimeType: "image/heic", realType: "image/heic", ...rotated, exif },
  /** Major brand mif1 (generic HEIF), HEVC with an alpha channel, no EXIF. */
  heif: { file: "photo.heif", mimeType: "image/heif", realType: "image/heif", ...upright, exif: null },
  /** Two images; pitm names the second (300×200, green) as primary. */
  burst: {
    file: "burst.heic",
    mimeType: "image/heic",
    realType: "image/heic",
    width: 300,
    height: 200,
    topLeft: "green",
    exif: null,
  },
} satisfies Record<string, ImageFixture>;

/** photo.heic cut inside its image data: the file ends before the data its headers point to. */
export const CORRUPT_HEIC = "corrupt.heic";
/** photo.heic with its HEVC data overwritten: every header reads, the HEVC decoder refuses the data. */
export const BROKEN_HEVC_HEIC = "broken-hevc.heic";

export function fixturePath(file: string): URL {
  return new URL(`./files/${file}`, import.meta.url);
}

export function readFixture(file: string): Promise<Buffer> {
  return readFile(fixturePath(file));
}
