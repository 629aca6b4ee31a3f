import sharp from "sharp";

export type Thumbnails = { small: Buffer; large: Buffer };

/** Longest side, in pixels, of each thumbnail. */
export const THUMBNAIL_SIZES = { small: 256, large: 1024 } as const;
const WEBP_QUALITY = 80; // visually clean at these sizes, about a third the bytes of quality 95

/**
 * Renders both WebP thumbnails from a sharp instance holding the original, applying EXIF orientation
 * and never enlarging. Consumes the instance's pipeline (it is resized in place).
 *
 * The original is decoded once, into raw pixels no larger than the large thumbnail, and both
 * thumbnails are encoded from those pixels. Decoding is the expensive part (a PNG or a TIFF has no
 * shrink-on-load), so this is cheaper than two decodes from cloned instances, and the small
 * thumbnail resampled from 1024 px raw pixels is indistinguishable from one made from the original.
 */
export async function renderThumbnails(original: sharp.Sharp): Promise<Thumbnails> {
  const { data, info } = await original
    .autoOrient()
    .resize(box(THUMBNAIL_SIZES.large))
    // Both fixed so the raw buffer's layout is known: 8-bit sRGB, 3 or 4 channels (alpha kept).
    .toColourspace("srgb")
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });

  const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [small, large] = await Promise.all([
    pixels().resize(box(THUMBNAIL_SIZES.small)).webp({ quality: WEBP_QUALITY }).toBuffer(),
    pixels().webp({ quality: WEBP_QUALITY }).toBuffer(),
  ]);
  return { small, large };
}

function box(size: number): sharp.ResizeOptions {
  return { width: size, height: size, fit: "inside", withoutEnlargement: true };
}
