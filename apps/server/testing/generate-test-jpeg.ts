import { randomBytes } from "node:crypto";
import sharp from "sharp";

export type TestJpegOptions = {
  width: number;
  height: number;
  /**
   * Total file size to hit. The generator picks the highest JPEG quality that fits, then pads with
   * comment segments, so the result is exactly this size, unless even quality 1 is larger, in which
   * case the file is as small as it can be. Omitted: quality 90, no padding.
   */
  targetBytes?: number;
  /** Written as-is, e.g. `{ IFD0: { Make: "Canon" }, IFD2: { DateTimeOriginal: "2024:01:02 03:04:05" } }`. */
  exif?: sharp.Exif;
  /** EXIF Orientation, 1–8 (sharp writes it separately from `exif`). */
  orientation?: number;
};

const COM = 0xfe; // JPEG comment marker
const MAX_SEGMENT_PAYLOAD = 0xffff - 2; // the 16-bit length field counts itself
const UNIQUE_TAG = "rapidphoto-test ";
const UNIQUE_ID_CHARS = 32; // 16 random bytes, hex
const UNIQUE_SEGMENT_BYTES = 4 + UNIQUE_TAG.length + UNIQUE_ID_CHARS;
const DEFAULT_QUALITY = 90;
const MIN_STRIP_ROWS = 64; // enough rows for a stable size estimate (several 16-row MCU bands)

type Template = { bytes: Buffer; idOffset: number };
const templates = new Map<string, Promise<Template>>();

/**
 * A real, decodable JPEG of random noise, for tests and benchmarks that need many distinct photos.
 *
 * Speed comes from doing the expensive part once: the first call for a given set of options
 * encodes the image (searching JPEG qualities to hit `targetBytes`, ~150 ms for 3 MP) and
 * caches it as a template. Every call then copies the template and writes 16 fresh random bytes
 * into a comment (COM) segment placed right after the APPn segments, so each file has its own
 * SHA-256 while pixels, size and EXIF stay identical. A 2 MB photo then costs one 2 MB copy.
 *
 * Noise is the worst case for a JPEG decoder (every coefficient is non-zero), which keeps
 * processing benchmarks conservative.
 */
export async function makeTestJpeg(options: TestJpegOptions): Promise<Buffer> {
  const key = JSON.stringify(options);
  let template = templates.get(key);
  if (!template) {
    template = buildTemplate(options);
    templates.set(key, template);
    template.catch(() => templates.delete(key));
  }
  const { bytes, idOffset } = await template;
  const copy = Buffer.from(bytes);
  copy.write(randomBytes(UNIQUE_ID_CHARS / 2).toString("hex"), idOffset, "latin1");
  return copy;
}

async function buildTemplate(options: TestJpegOptions): Promise<Template> {
  const pixels = noise(options.width, options.height);

  const jpeg =
    options.targetBytes === undefined
      ? await encodeJpeg(pixels, options, DEFAULT_QUALITY)
      : await largestFitting(pixels, options, options.targetBytes - UNIQUE_SEGMENT_BYTES);
  const padding = Math.max(UNIQUE_SEGMENT_BYTES, (options.targetBytes ?? 0) - jpeg.length);
  const insertAt = afterAppSegments(jpeg);
  const segments = commentSegments(padding);
  const idOffset = insertAt + 4 + UNIQUE_TAG.length;
  return { bytes: Buffer.concat([jpeg.subarray(0, insertAt), segments, jpeg.subarray(insertAt)]), idOffset };
}

/**
 * The highest-quality encoding no larger than `budget` (or quality 1 if none is). Noise compresses
 * the same everywhere, so the search runs on a strip of rows and scales the result; only the final
 * choice is encoded in full, which makes the search about as cheap as one full encode.
 */
async function largestFitting(pixels: Buffer, options: TestJpegOptions, budget: number): Promise<Buffer> {
  const stripHeight = Math.min(options.height, Math.max(MIN_STRIP_ROWS, Math.ceil(options.height / 8)));
  const strip = pixels.subarray(0, options.width * stripHeight * 3);
  const estimate = async (quality: number) =>
    ((await encodeJpeg(strip, { ...options, height: stripHeight }, quality)).length * options.height) / stripHeight;

  let quality = 1;
  let [low, high] = [2, 100];
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    if ((await estimate(middle)) <= budget) {
      quality = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  // The estimate can be a little off; step down until the real file fits.
  let jpeg = await encodeJpeg(pixels, options, quality);
  while (jpeg.length > budget && quality > 1) jpeg = await encodeJpeg(pixels, options, --quality);
  return jpeg;
}

function encodeJpeg(pixels: Buffer, options: TestJpegOptions, quality: number): Promise<Buffer> {
  let image = sharp(pixels, { raw: { width: options.width, height: options.height, channels: 3 } }).jpeg({ quality });
  if (options.exif) image = image.withExif(options.exif);
  if (options.orientation !== undefined) image = image.withMetadata({ orientation: options.orientation });
  return image.toBuffer();
}

/** Deterministic RGB noise (xorshift32), so a given size always yields the same template. */
function noise(width: number, height: number): Buffer {
  const length = width * height * 3;
  const words = new Uint32Array(Math.ceil(length / 4));
  let state = (0x9e3779b9 ^ (width * 73_856_093) ^ (height * 19_349_663)) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  return Buffer.from(words.buffer, 0, length);
}

/**
 * Where to insert comment segments: after SOI and any APPn (JFIF, EXIF) segments, which readers
 * expect first, and before the tables and image data.
 */
function afterAppSegments(jpeg: Buffer): number {
  let offset = 2; // SOI
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff && jpeg[offset + 1]! >= 0xe0 && jpeg[offset + 1]! <= 0xef) {
    offset += 2 + jpeg.readUInt16BE(offset + 2);
  }
  return offset;
}

/**
 * COM segments totalling exactly `total` bytes (≥ UNIQUE_SEGMENT_BYTES). The first carries the tag
 * and a placeholder id that makeTestJpeg overwrites; the rest are zero filler.
 */
function commentSegments(total: number): Buffer {
  const out = Buffer.alloc(total);
  let offset = 0;
  let remaining = total;
  while (remaining > 0) {
    let size = Math.min(remaining, 4 + MAX_SEGMENT_PAYLOAD);
    // Never leave a remainder too small for a segment header.
    if (remaining - size > 0 && remaining - size < 4) size -= 4;
    out[offset] = 0xff;
    out[offset + 1] = COM;
    out.writeUInt16BE(size - 2, offset + 2);
    offset += size;
    remaining -= size;
  }
  out.write(UNIQUE_TAG.padEnd(UNIQUE_TAG.length + UNIQUE_ID_CHARS, "0"), 4, "latin1");
  return out;
}
