import os from "node:os";
import sharp from "sharp";

/** Input options for every uploaded photo. */
export const PHOTO_INPUT_OPTIONS = {
  // Fail on truncated or corrupt pixel data, but not on libjpeg's routine warnings (e.g. extraneous
  // bytes before a marker): phones and editors write those and the image decodes fine.
  failOn: "error",
  // sharp's default cap, stated so it is a decision: 0x3FFF² ≈ 268 MP covers 200 MP phone sensors
  // while refusing decompression bombs that declare absurd dimensions.
  limitInputPixels: 0x3fff * 0x3fff,
} satisfies sharp.SharpOptions;

/**
 * Call once at startup, before the first photo is processed.
 * - One libvips thread per usable core for each operation (this respects CPU affinity, unlike the
 *   default which counts every core of the host).
 * - No operation cache: every photo is seen exactly once, so caching only holds memory.
 */
export function configureSharp(): void {
  sharp.concurrency(os.availableParallelism());
  sharp.cache(false);
}
