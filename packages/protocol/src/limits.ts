const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const MAX_FILES_PER_JOB = 1000;
/** Largest file accepted: S3's ceiling for one PUT, and far below its multipart ceiling (5 TiB). */
export const MAX_FILE_BYTES = 5 * GiB;
export const MAX_FILENAME_BYTES = 255; // common filesystem name limit, in UTF-8 bytes
/** Files up to this size go in one PUT; larger ones use multipart (DESIGN §4, plan §3.2). */
export const SINGLE_PUT_MAX_BYTES = 5 * MiB;
/** Parts are at least this big: fewer requests, and well above S3's 5 MiB minimum for non-final parts. */
export const MIN_PART_SIZE = 8 * MiB;
export const MAX_PARTS = 10_000; // S3 hard limit
/** Part URLs signed in one request; the client signs just ahead of use, so a batch is small. */
export const MAX_PARTS_PER_SIGN_REQUEST = 100;
/**
 * Part URLs a multipart item carries (its first parts still to send), so a file's first requests go
 * out without a round trip to sign them: a browser sends ~6 requests to one host at once, so a file
 * alone on the line starts at most that many parts; the rest are signed just in time, as before.
 */
export const PARTS_SIGNED_WITH_ITEM = 6;

/** The parts an item comes signed for: its first PARTS_SIGNED_WITH_ITEM not in `stored`, in order. */
export function partsSignedWithItem(partCount: number, stored: ReadonlySet<number>): number[] {
  const first: number[] = [];
  for (let n = 1; n <= partCount && first.length < PARTS_SIGNED_WITH_ITEM; n++) if (!stored.has(n)) first.push(n);
  return first;
}
export const MAX_PROGRESS_UPDATES = 1000;
/**
 * Photos one finalize request may carry (POST /commands/upload/finalize). A client finalizes each
 * small file as its bytes land; those that land while its earlier finalizes are still on their way
 * go together, so at 1,000 small files the page sends a few hundred requests, not a thousand.
 */
export const MAX_FINALIZE_BATCH = 100;

/** The part size the server chooses for a multipart upload of `bytes`. Whole MiBs, ≤ MAX_PARTS parts. */
export function planPartSize(bytes: number): number {
  const needed = Math.ceil(bytes / MAX_PARTS);
  return Math.max(MIN_PART_SIZE, Math.ceil(needed / MiB) * MiB);
}

export function partCountFor(bytes: number, partSize: number): number {
  return Math.max(1, Math.ceil(bytes / partSize));
}

/** Byte range [start, end) of part `partNumber` (1-based). */
export function partRange(bytes: number, partSize: number, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * partSize;
  return { start, end: Math.min(bytes, start + partSize) };
}

export const ACCEPTED_MIME_TYPES = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/heic",
  "image/heif",
  "image/avif",
  "image/tiff",
] as const;

/**
 * File extensions of the accepted types. Browsers often report HEIC/HEIF (and sometimes TIFF)
 * with an empty type, and Node file paths carry none, so clients fall back to the name.
 */
export const MIME_BY_EXTENSION: Readonly<Record<string, (typeof ACCEPTED_MIME_TYPES)[number]>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  avif: "image/avif",
  tif: "image/tiff",
  tiff: "image/tiff",
};
