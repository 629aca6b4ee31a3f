import { constants as bufferConstants } from "node:buffer";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import sharp from "sharp";
import { decodeError, heicDecodeError, notAcceptedImage } from "./decode-error.js";
import { type PhotoExif, readExif } from "./exif.js";
import { HashingMeter } from "./hashing-meter.js";
import { HeicDecoder } from "./heic-decoder.js";
import { type AcceptedMimeType, sniffImageType } from "./image-type.js";
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
  /** The SHA-256 (hex) the client declared, if any: stored bytes with another hash fail permanently. */
  expectedSha256?: string | null;
  /** Decodes HEVC-coded HEIC/HEIF, which the prebuilt sharp cannot; one per process (see createHeicDecoder). */
  heic: HeicDecoder;
  /** Aborting stops reading at once and skips the remaining steps; a running libvips step cannot be interrupted. */
  signal?: AbortSignal;
};

export type ProcessedImage = {
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  bytes: number;
  /** What the bytes are, whatever type the browser declared. */
  mimeType: AcceptedMimeType;
  /** As displayed, i.e. after applying EXIF orientation (HEIF: the file's rotation and mirroring). */
  width: number;
  height: number;
  takenAt: Date | null;
  /** A small JSON-safe selection of tags (see exif.ts); null when the file has none. */
  exif: PhotoExif | null;
  /** WebP, 256 px and 1024 px on the longest side. */
  thumbnails: Thumbnails;
};

/** The HEIC decoder the pipeline needs, with the same pixel cap sharp applies to every other format. */
export function createHeicDecoder(): HeicDecoder {
  return new HeicDecoder({ maxPixels: PHOTO_INPUT_OPTIONS.limitInputPixels });
}

/**
 * Verifies, measures and thumbnails one stored photo, reading the object exactly once.
 *
 * Rejects with a ProcessingError whose `permanent` says whether a retry can help: read failures
 * are transient; a size mismatch or a file that does not decode is permanent. An abort rejects
 * with `signal.reason`, never a ProcessingError, so the caller can tell shutdown from failure.
 *
 * Memory: the object is read into one buffer of its declared size (no concatenation copy), which
 * sharp decodes from. A HEIC is decoded in the HEIC decoder's worker thread into raw pixels that
 * sharp then resizes, so its peak is the full-size pixels twice (wasm heap and the copy handed
 * back); the decoder runs one photo at a time to keep that bounded. Both thumbnails come from one
 * decode (see thumbnails.ts).
 */
export async function processImage(input: ProcessImageInput): Promise<ProcessedImage> {
  const { signal } = input;
  signal?.throwIfAborted();

  const meter = new HashingMeter(input.expectedBytes);
  const bytes = await readObject(input, meter);

  signal?.throwIfAborted();
  if (input.expectedSha256 && meter.sha256 !== input.expectedSha256) {
    // Checked before decoding: the library lists photos by this hash, so it must be the bytes' own.
    throw new ProcessingError(
      `The stored file does not match the one that was picked: its SHA-256 is ${meter.sha256}, ` +
        `but ${input.expectedSha256} was declared when the upload started. Pick the file again.`,
      true,
    );
  }
  if (bytes.length === 0) throw new ProcessingError("This file is not a readable image (the file is empty).", true);
  const type = await sniffImageType(bytes);
  if (!type.accepted) throw notAcceptedImage(type.ext);

  const image = await openImage(bytes, input);
  signal?.throwIfAborted();
  const [thumbnails, { exif, takenAt }] = await Promise.all([
    renderThumbnails(image.pixels).catch((err: unknown) => {
      throw decodeError(err);
    }),
    readExif(image.exif, image.orientation),
  ]);

  return {
    sha256: meter.sha256,
    bytes: meter.bytes,
    mimeType: type.mimeType,
    width: image.width,
    height: image.height,
    takenAt,
    exif,
    thumbnails,
  };
}

type OpenedImage = {
  /** The image to render thumbnails from (orientation applied by renderThumbnails when it has one). */
  pixels: sharp.Sharp;
  width: number;
  height: number;
  /** An EXIF block (TIFF structure, optionally behind "Exif\0\0") for exifr. */
  exif: Buffer | undefined;
  orientation: number | undefined;
};

async function openImage(bytes: Buffer, { heic, signal }: ProcessImageInput): Promise<OpenedImage> {
  const original = sharp(bytes, PHOTO_INPUT_OPTIONS);
  // Reads headers only. For HEIF it works whatever the codec, so the EXIF comes from here too.
  const metadata = await original.metadata().catch((err: unknown) => {
    throw decodeError(err);
  });

  if (metadata.format === "heif" && metadata.compression === "hevc") {
    const decoded = await heic.decode(bytes, signal).catch((err: unknown) => {
      if (signal?.aborted) throw signal.reason;
      throw heicDecodeError(err);
    });
    const { width, height, channels } = decoded;
    return {
      pixels: sharp(decoded.pixels, { raw: { width, height, channels } }),
      width,
      height,
      exif: metadata.exif,
      // libheif has applied the file's rotation and mirroring (irot/imir), which is what HEIF
      // viewers honour; the EXIF Orientation tag of a HEIF is informational and must not rotate twice.
      orientation: undefined,
    };
  }

  return {
    pixels: original,
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    // libvips keeps no EXIF block for TIFF, whose tags live in the file's own IFDs: exifr reads the file itself.
    exif: metadata.exif ?? (metadata.format === "tiff" ? bytes : undefined),
    orientation: metadata.orientation,
  };
}

/** Streams the object through the meter into one buffer of the declared size. */
async function readObject(input: ProcessImageInput, meter: HashingMeter): Promise<Buffer> {
  const { signal, expectedBytes } = input;
  if (expectedBytes > bufferConstants.MAX_LENGTH) {
    throw new ProcessingError("This file is too large for us to process.", true);
  }
  let target: Buffer | null = null;
  let offset = 0;
  try {
    const source = await input.read();
    // Opening may have raced an abort; don't start reading a stream nobody wants.
    if (signal?.aborted) {
      source.destroy();
      signal.throwIfAborted();
    }
    await pipeline(
      source,
      meter,
      async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          // Allocated at the first byte; the meter has already refused anything past the declared size.
          target ??= Buffer.allocUnsafe(expectedBytes);
          offset += chunk.copy(target, offset);
        }
      },
      { signal },
    );
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof ProcessingError) throw err; // the meter's size check
    throw new ProcessingError("We could not read the uploaded file from storage.", false, {
      cause: err,
    });
  }
  return target ?? Buffer.alloc(0);
}
