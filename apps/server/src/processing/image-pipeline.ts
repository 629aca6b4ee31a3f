import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import sharp from "sharp";
import { decodeError } from "./decode-error.js";
import { type PhotoExif, readExif } from "./exif.js";
import { HashingMeter } from "./hashing-meter.js";
import { ProcessingError } from "./processing-error.js";
import { PHOTO_INPUT_OPTIONS } from "./sharp-config.js";
import { renderThumbnails, type Thumbnails } from "./thumbnails.js";

export { ProcessingError } from "./processing-error.js";
export { configureSharp } from "./sharp-config.js";

export type ProcessImageInput = {
  /** Opens the stored object. Called once. */
  read: () => Promise<Readable>;
  /** The size the client declared and the upload completed with. */
  expectedBytes: number;
  /** The type the browser declared; only used to word error messages (the bytes decide the format). */
  mimeType: string;
  /** Aborting stops reading at once and skips the remaining steps; a running libvips step cannot be interrupted. */
  signal?: AbortSignal;
};

export type ProcessedImage = {
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  bytes: number;
  /** As displayed, i.e. after applying EXIF orientation. */
  width: number;
  height: number;
  takenAt: Date | null;
  /** A small JSON-safe selection of tags (see exif.ts); null when the file has none. */
  exif: PhotoExif | null;
  /** WebP, 256 px and 1024 px on the longest side. */
  thumbnails: Thumbnails;
};

/**
 * Verifies, measures and thumbnails one stored photo, reading the object exactly once.
 *
 * Rejects with a ProcessingError whose `permanent` says whether a retry can help: read failures
 * are transient; a size mismatch or a file that does not decode is permanent. An abort rejects
 * with `signal.reason`, never a ProcessingError, so the caller can tell shutdown from failure.
 *
 * Memory: the object is piped into one sharp instance, which collects the chunks and concatenates
 * them once when the stream ends (sharp does not feed libvips incrementally), so the original is
 * held once, briefly twice during that concatenation. Nothing here adds a copy: the instance is not
 * cloned (clone() structuredClones its options, which copies a buffered input), and both thumbnails
 * come from one decode (see thumbnails.ts).
 */
export async function processImage(input: ProcessImageInput): Promise<ProcessedImage> {
  const { signal, mimeType } = input;
  signal?.throwIfAborted();

  const original = sharp(PHOTO_INPUT_OPTIONS);
  const meter = new HashingMeter(input.expectedBytes);
  await readObject(input, meter, original);

  signal?.throwIfAborted();
  // sharp reports an empty input as an unsupported format; say what it is.
  if (meter.bytes === 0) throw new ProcessingError("This file is not a readable image (the file is empty).", true);
  const metadata = await original.metadata().catch((err: unknown) => {
    throw decodeError(err, mimeType);
  });

  signal?.throwIfAborted();
  const [thumbnails, { exif, takenAt }] = await Promise.all([
    renderThumbnails(original).catch((err: unknown) => {
      throw decodeError(err, mimeType);
    }),
    readExif(metadata.exif, metadata.orientation),
  ]);

  return {
    sha256: meter.sha256,
    bytes: meter.bytes,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    takenAt,
    exif,
    thumbnails,
  };
}

/** Streams the object through the meter into sharp; resolves once sharp holds all of it. */
async function readObject(input: ProcessImageInput, meter: HashingMeter, sink: sharp.Sharp): Promise<void> {
  const { signal } = input;
  try {
    const source = await input.read();
    // Opening may have raced an abort; don't start reading a stream nobody wants.
    if (signal?.aborted) {
      source.destroy();
      signal.throwIfAborted();
    }
    await pipeline(source, meter, sink, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof ProcessingError) throw err; // the meter's size check
    throw new ProcessingError("We could not read the uploaded file from storage.", false, {
      cause: err,
    });
  }
}
