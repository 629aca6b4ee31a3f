import exifr from "exifr";
import { exifDateTime } from "./exif-date.js";

export type PhotoExif = Record<string, string | number>;
export type ExifSummary = { exif: PhotoExif | null; takenAt: Date | null };

/** Tags kept as they are, named as exifr names them. Everything else (maker notes, thumbnails, binary blobs) is dropped. */
const KEPT_TAGS = [
  "Make",
  "Model",
  "LensMake",
  "LensModel",
  "Software",
  "Artist",
  "Copyright",
  "ExposureTime",
  "FNumber",
  "ISO",
  "FocalLength",
  "FocalLengthIn35mmFormat",
  "ExposureCompensation",
  "ExposureProgram",
  "MeteringMode",
  "Flash",
  "WhiteBalance",
  "GPSAltitude",
] as const;
const DATE_TAGS = ["DateTimeOriginal", "CreateDate"] as const;
const OFFSET_TAGS = { DateTimeOriginal: "OffsetTimeOriginal", CreateDate: "OffsetTimeDigitized" } as const;
// exifr only derives decimal `latitude`/`longitude` when the raw GPS tags are picked too.
const GPS_SOURCE_TAGS = ["GPSLatitude", "GPSLatitudeRef", "GPSLongitude", "GPSLongitudeRef"];

const PARSE_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false, // the embedded preview thumbnail
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  // Revived dates are built in the server's local time zone; dates are parsed in exif-date.ts instead.
  reviveValues: false,
  translateValues: true, // "Flash did not fire" rather than 16
  pick: [...KEPT_TAGS, ...DATE_TAGS, ...Object.values(OFFSET_TAGS), ...GPS_SOURCE_TAGS],
};

const MAX_STRING_LENGTH = 256; // camera strings are short; anything longer is junk we don't want in a jsonb column
const EXIF_HEADER = Buffer.from("Exif\0\0");

/**
 * Reads the useful EXIF tags from the raw EXIF block sharp extracted while reading the image.
 * Using sharp's block rather than the file's first bytes works for every format sharp decodes,
 * including WebP (which exifr cannot open as a file) and PNGs whose eXIf chunk comes late.
 *
 * Never throws: EXIF is a nice-to-have, and a photo with garbage EXIF is still a photo.
 * `orientation` is the numeric tag sharp already parsed (exifr would translate it to prose).
 */
export async function readExif(block: Buffer | undefined, orientation: number | undefined): Promise<ExifSummary> {
  const tags = block ? await parseTags(block) : {};
  const exif: PhotoExif = {};

  for (const name of KEPT_TAGS) {
    const value = jsonSafe(tags[name]);
    if (value !== undefined) exif[name] = value;
  }

  let takenAt: Date | null = null;
  for (const name of DATE_TAGS) {
    const date = exifDateTime(tags[name], tags[OFFSET_TAGS[name]]);
    if (!date) continue;
    exif[name] = date.iso;
    takenAt ??= date.instant;
  }

  const { latitude, longitude } = tags;
  // 0,0 is what some phones write when they had no GPS fix.
  if (isCoordinate(latitude, 90) && isCoordinate(longitude, 180) && (latitude !== 0 || longitude !== 0)) {
    exif.latitude = latitude;
    exif.longitude = longitude;
  }

  // Orientation 1 is the default and says nothing; only record it when there is other EXIF or it matters.
  if (orientation !== undefined && (orientation !== 1 || Object.keys(exif).length > 0)) exif.Orientation = orientation;

  return { exif: Object.keys(exif).length > 0 ? exif : null, takenAt };
}

async function parseTags(block: Buffer): Promise<Record<string, unknown>> {
  // JPEG and WebP blocks start with the APP1 "Exif\0\0" header; exifr wants the TIFF structure after it.
  const tiff = block.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER) ? block.subarray(EXIF_HEADER.length) : block;
  try {
    const tags: unknown = await exifr.parse(tiff, PARSE_OPTIONS);
    return tags !== null && typeof tags === "object" ? (tags as Record<string, unknown>) : {};
  } catch {
    return {}; // unreadable EXIF is treated as no EXIF
  }
}

function jsonSafe(value: unknown): string | number | undefined {
  // Some cameras write ISO as a list (ISO speed, then a second rating); the first is the ISO.
  if (Array.isArray(value)) return value.length > 0 ? jsonSafe(value[0]) : undefined;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") {
    // Postgres jsonb rejects \u0000, which EXIF strings are often padded with.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    const clean = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
    return clean.length > 0 ? clean.slice(0, MAX_STRING_LENGTH) : undefined;
  }
  return undefined; // Buffers, typed arrays, objects: not useful to show, not safe to store
}

function isCoordinate(value: unknown, limit: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= limit;
}
