import { ProcessingError } from "./processing-error.js";

// Each rule turns a libvips/sharp message into words for the uploader. Order matters: first match wins.
const REASONS: { pattern: RegExp; reason: (mimeType: string) => string }[] = [
  {
    // The prebuilt libvips decodes AVIF but has no HEVC decoder, so iPhone HEIC photos land here.
    pattern: /unsupported codec/i,
    reason: () => "HEIC photos are not supported yet; please upload a JPEG",
  },
  {
    pattern: /unsupported image format/i,
    reason: (mimeType) =>
      /^image\/hei[cf]/i.test(mimeType)
        ? "HEIC photos are not supported yet; please upload a JPEG"
        : "it is not in an image format we recognise",
  },
  {
    pattern: /premature end|truncated|unexpected end|end of (file|data|stream)|not enough/i,
    reason: () => "the file is incomplete",
  },
  { pattern: /pixel limit/i, reason: () => "it has more pixels than we can process" },
];

/**
 * Classifies an error sharp raised while decoding a file that was read completely. Almost always
 * the file's fault, hence permanent; running out of memory is the server's, hence transient.
 */
export function decodeError(err: unknown, mimeType: string): ProcessingError {
  const message = err instanceof Error ? err.message : String(err);
  if (/out of memory|ENOMEM/i.test(message)) {
    return new ProcessingError("The server ran out of memory processing this photo.", false, {
      cause: err,
    });
  }
  const reason = REASONS.find((r) => r.pattern.test(message))?.reason(mimeType) ?? "the image data is corrupt";
  return new ProcessingError(`This file is not a readable image (${reason}).`, true, { cause: err });
}
