import { HeicDecodeError } from "./heic-decoder.js";
import { ProcessingError } from "./processing-error.js";

const ACCEPTED_FORMATS = "JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF or TIFF";

// Each rule turns a libvips/sharp message into words for the uploader. Order matters: first match wins.
const REASONS: { pattern: RegExp; reason: string }[] = [
  { pattern: /unsupported codec/i, reason: "it is compressed in a way we cannot decode" },
  { pattern: /unsupported image format/i, reason: "it is not in an image format we recognise" },
  {
    pattern: /premature end|truncated|unexpected end|end of (file|data|stream)|not enough/i,
    reason: "the file is incomplete",
  },
  { pattern: /pixel limit/i, reason: "it has more pixels than we can process" },
];

/**
 * Classifies an error sharp raised while decoding a file that was read completely. Almost always
 * the file's fault, hence permanent; running out of memory is the server's, hence transient.
 */
export function decodeError(err: unknown): ProcessingError {
  const message = err instanceof Error ? err.message : String(err);
  if (/out of memory|ENOMEM/i.test(message)) {
    return new ProcessingError("The server ran out of memory processing this photo.", false, {
      cause: err,
    });
  }
  const reason = REASONS.find((r) => r.pattern.test(message))?.reason ?? "the image data is corrupt";
  return new ProcessingError(`This file is not a readable image (${reason}).`, true, { cause: err });
}

/** The bytes are something other than an accepted image, whatever the browser declared. */
export function notAcceptedImage(ext: string | null): ProcessingError {
  const reason = ext
    ? `it is a ${ext.toUpperCase()} file; we take ${ACCEPTED_FORMATS}`
    : "it is not in an image format we recognise";
  return new ProcessingError(`This file is not a readable image (${reason}).`, true);
}

/** A HEIC the decoder refused is the file's fault; a decoder that died is the server's, worth a retry. */
export function heicDecodeError(err: unknown): ProcessingError {
  if (err instanceof HeicDecodeError && err.code === "crashed") {
    return new ProcessingError("The server could not decode this HEIC photo.", false, { cause: err });
  }
  const reason =
    err instanceof HeicDecodeError && err.code === "too-many-pixels"
      ? "it has more pixels than we can process"
      : "the HEIC image data is corrupt or incomplete";
  return new ProcessingError(`This file is not a readable image (${reason}).`, true, { cause: err });
}
