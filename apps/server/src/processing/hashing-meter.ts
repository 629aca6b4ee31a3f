import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ProcessingError } from "./processing-error.js";

/**
 * A pass-through stream that hashes and counts the bytes of a stored object on their way to the
 * decoder, so the object is read once for both.
 *
 * A size mismatch is permanent: by the time a photo is processed its upload has completed and the
 * object is immutable (S3 and the disk adapter both publish objects atomically), so a different
 * size means the stored bytes are not the file the client declared, and reading them again returns
 * the same wrong bytes. A connection that drops mid-body is not a mismatch: it surfaces as a stream
 * error, which the pipeline reports as transient.
 */
export class HashingMeter extends Transform {
  #hash = createHash("sha256");
  #bytes = 0;
  #sha256: string | null = null;

  constructor(readonly expectedBytes: number) {
    super();
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hex digest; available once the stream has ended cleanly with the expected size. */
  get sha256(): string {
    if (this.#sha256 === null) throw new Error("HashingMeter: digest read before the stream ended");
    return this.#sha256;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
    this.#bytes += bytes.length;
    // Fail as soon as the object is too long rather than buffering all of an oversized object.
    if (this.#bytes > this.expectedBytes) {
      callback(sizeMismatch(this.expectedBytes, `more than ${this.expectedBytes}`));
      return;
    }
    this.#hash.update(bytes);
    callback(null, bytes);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#bytes !== this.expectedBytes) {
      callback(sizeMismatch(this.expectedBytes, String(this.#bytes)));
      return;
    }
    this.#sha256 = this.#hash.digest("hex");
    callback();
  }
}

function sizeMismatch(expected: number, actual: string): ProcessingError {
  return new ProcessingError(
    `The stored file does not match the upload (expected ${expected} bytes, found ${actual}). Please upload it again.`,
    true,
  );
}
