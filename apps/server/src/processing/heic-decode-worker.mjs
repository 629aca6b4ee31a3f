// Worker thread that decodes HEIC/HEIF images with libheif compiled to WebAssembly.
//
// Plain JavaScript on purpose: worker threads do not go through the TypeScript loader the server
// and the tests run under, so this file must run on bare Node. Its messages are described, and
// checked, in heic-decoder.ts.
//
// Why a thread of its own: the wasm heap only ever grows, so a 48 MP photo leaves hundreds of MiB
// behind. The parent terminates this thread when `heapBytes` says the heap grew too large, which
// is the only way to give that memory back.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);
// The bundle carries the .wasm inline, so nothing is read from disk at decode time.
const libheif = require("libheif-js/wasm-bundle");

if (!parentPort) throw new Error("heic-decode-worker.mjs runs as a worker thread");
const port = parentPort;

port.on("message", (/** @type {{ id: number; bytes: Uint8Array; maxPixels: number }} */ request) => {
  try {
    const image = decodePrimary(request.bytes, request.maxPixels);
    port.postMessage({ id: request.id, ok: true, ...image, heapBytes: heapBytes() }, [image.pixels.buffer]);
  } catch (err) {
    port.postMessage({
      id: request.id,
      ok: false,
      code: err instanceof DecodeFailure ? err.code : "corrupt",
      message: err instanceof Error ? err.message : String(err),
      heapBytes: heapBytes(),
    });
  }
});

class DecodeFailure extends Error {
  /** @param {"corrupt" | "too-many-pixels"} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Decodes the primary image (a multi-image file, e.g. a burst, shows its primary one) with the
 * file's rotation and mirroring applied, as 8-bit sRGB, 3 channels or 4 when it has alpha.
 * @param {Uint8Array} bytes
 * @param {number} maxPixels
 */
function decodePrimary(bytes, maxPixels) {
  const context = libheif.heif_context_alloc();
  let handle = null;
  let image = null;
  try {
    check(libheif.heif_context_read_from_memory(context, bytes));
    handle = check(libheif.heif_js_context_get_primary_image_handle(context));
    const width = libheif.heif_image_handle_get_width(handle);
    const height = libheif.heif_image_handle_get_height(handle);
    // Refuse a decompression bomb before decoding it, as sharp does for every other format.
    if (width * height > maxPixels) throw new DecodeFailure("too-many-pixels", `${width}×${height} is too large`);
    const channels = libheif.heif_image_handle_has_alpha_channel(handle) ? 4 : 3;
    const chroma =
      channels === 4
        ? libheif.heif_chroma.heif_chroma_interleaved_RGBA
        : libheif.heif_chroma.heif_chroma_interleaved_RGB;
    image = check(libheif.heif_js_decode_image2(handle, libheif.heif_colorspace.heif_colorspace_RGB, chroma));
    const plane = image.channels.find((c) => c.id === libheif.heif_channel.heif_channel_interleaved);
    // bits_per_pixel is per component here (libheif's "range"); the chroma asked for is 8-bit.
    if (plane?.bits_per_pixel !== 8 || plane.stride < plane.width * channels) {
      throw new DecodeFailure("corrupt", "libheif returned no 8-bit interleaved plane");
    }
    return { width: plane.width, height: plane.height, channels, pixels: packRows(plane, channels) };
  } finally {
    if (image) libheif.heif_image_release(image.image);
    if (handle) libheif.heif_image_handle_release(handle);
    libheif.heif_context_free(context);
  }
}

/**
 * Copies the plane out of the wasm heap (its data is a view that dies with the image) into a
 * buffer that can be transferred to the parent without another copy, dropping row padding.
 * @param {{ width: number; height: number; stride: number; data: Uint8Array }} plane
 * @param {number} channels
 */
function packRows(plane, channels) {
  const row = plane.width * channels;
  const pixels = new Uint8Array(row * plane.height);
  if (plane.stride === row) {
    pixels.set(plane.data.subarray(0, pixels.length));
  } else {
    for (let y = 0; y < plane.height; y++) {
      pixels.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
    }
  }
  return pixels;
}

/** libheif's embind calls answer an error object ({code, message}) instead of throwing. */
function check(result) {
  if (!result) throw new DecodeFailure("corrupt", "libheif returned nothing");
  if (result.code !== undefined && result.code !== libheif.heif_error_code.heif_error_Ok) {
    throw new DecodeFailure("corrupt", result.message || "libheif error");
  }
  return result;
}

function heapBytes() {
  return libheif.HEAPU8.buffer.byteLength;
}
