import { createSHA256 } from "hash-wasm";
import type { UploadSource } from "./source.js";

/**
 * Bytes read per step when streaming. Large enough that the wasm call overhead is noise, small
 * enough that a 5 GiB file never has more than this in memory.
 */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Files up to this size are read whole and digested natively (SubtleCrypto) where it exists. It
 * cannot hash a stream, so the whole file is in memory for a moment: 64 MiB covers every photo a
 * camera or phone makes while bounding that moment (two at once at most, see HashPipeline). In a
 * browser worker, reading plus the native digest ran at ~1.6–2× hash-wasm's streaming speed on the
 * same files (40 MB: 85–99 against 44–60 MB/s; 2 MB: 59–72 against 35–43 MB/s; on a loaded
 * 2-core machine, so the ratio matters, not the figures); reading alone was 45–200 MB/s, the floor.
 */
const WHOLE_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** What is used of SubtleCrypto (typed here: the engine builds without the DOM's types, for Node). */
export type NativeDigest = { digest(algorithm: "SHA-256", data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> };

export type Sha256Options = {
  chunkBytes?: number;
  wholeFileMaxBytes?: number;
  /** The native digest; null forces streaming. Default: `crypto.subtle` where the context has it. */
  subtle?: NativeDigest | null;
};

/** `crypto.subtle` exists only in secure contexts (HTTPS, localhost) and in Node; plain HTTP has none. */
function nativeSubtle(): NativeDigest | null {
  return (globalThis as { crypto?: { subtle?: NativeDigest } }).crypto?.subtle ?? null;
}

/**
 * The SHA-256 of a source as 64 lowercase hex characters (the protocol's `sha256`). Natively and
 * whole where the context allows and the file is small enough; otherwise read chunk by chunk into
 * hash-wasm (WebAssembly: works over plain HTTP too, and streams, so a 5 GiB file never sits in
 * memory). Both give the same digest. Meant to run in a Worker so the page never waits for it; it
 * also runs on the main thread and in Node.
 */
export async function sha256OfSource(
  source: Pick<UploadSource, "size" | "slice">,
  signal?: AbortSignal,
  options: Sha256Options = {},
): Promise<string> {
  const subtle = options.subtle === undefined ? nativeSubtle() : options.subtle;
  if (subtle && source.size <= (options.wholeFileMaxBytes ?? WHOLE_FILE_MAX_BYTES)) {
    signal?.throwIfAborted();
    const whole = await bytesOf(await source.slice(0, source.size));
    signal?.throwIfAborted();
    return toHex(new Uint8Array(await subtle.digest("SHA-256", whole)));
  }
  const chunkBytes = options.chunkBytes ?? HASH_CHUNK_BYTES;
  const hasher = await createSHA256();
  hasher.init();
  for (let start = 0; start < source.size; start += chunkBytes) {
    signal?.throwIfAborted();
    hasher.update(await bytesOf(await source.slice(start, Math.min(source.size, start + chunkBytes))));
  }
  return hasher.digest("hex");
}

/**
 * Bytes of small files read as one, up to this much: reading a Blob costs a round trip to the browser
 * process however small it is, and at 150 KB that trip was half the cost of hashing a file. Reading
 * 300 × 150 KB files as Blobs of ~4 MiB took 230–370 ms of the browser's CPU against 500–690 ms file
 * by file (headless Chromium pinned to one core, same run, digest included); 16 MiB gained nothing
 * more. A file larger than this is read alone.
 */
export const HASH_BATCH_BYTES = 4 * 1024 * 1024;

/** A file of a batch that could not be hashed: why, in place of its digest. */
export type HashFailure = { error: string };

/**
 * The SHA-256 of each of `blobs`, in order, reading them as one Blob where the native digest exists
 * (one read, then each file's bytes digested in place), file by file otherwise. A batch whose joint
 * read fails (one file unreadable) is hashed file by file, so only that file goes without its hash.
 * Rejects only when `signal` aborts.
 */
export async function sha256OfBlobs(
  blobs: readonly Blob[],
  signal?: AbortSignal,
  options: Sha256Options = {},
): Promise<(string | HashFailure)[]> {
  const subtle = options.subtle === undefined ? nativeSubtle() : options.subtle;
  if (subtle && blobs.length > 1) {
    signal?.throwIfAborted();
    const whole = await new Blob(blobs as Blob[]).arrayBuffer().then(
      (buffer) => new Uint8Array(buffer),
      () => null,
    );
    signal?.throwIfAborted();
    if (whole) {
      const digests: string[] = [];
      let start = 0;
      for (const blob of blobs) {
        const end = start + blob.size;
        digests.push(toHex(new Uint8Array(await subtle.digest("SHA-256", whole.subarray(start, end)))));
        start = end;
      }
      return digests;
    }
  }
  return hashEachAlone(blobs, signal, (blob) => sha256OfSource(blob, signal, options));
}

/**
 * Each of `sources` hashed alone by `hashOne`, in order; a file that could not be hashed gets a
 * HashFailure instead of failing the others. Rejects only when `signal` aborts.
 */
export async function hashEachAlone<S>(
  sources: readonly S[],
  signal: AbortSignal | undefined,
  hashOne: (source: S) => Promise<string>,
): Promise<(string | HashFailure)[]> {
  const results: (string | HashFailure)[] = [];
  for (const source of sources) {
    try {
      results.push(await hashOne(source));
    } catch (error) {
      signal?.throwIfAborted();
      results.push({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

async function bytesOf(body: Blob | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : new Uint8Array(await body.arrayBuffer());
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

/**
 * How the engine learns a file's SHA-256: injected, so the engine stays free of any runtime. The web
 * app passes one backed by a dedicated Worker (the page never waits for it); Node and tests can pass
 * `inThreadHasher`. Must reject when `signal` aborts.
 */
export type Hasher = ((source: UploadSource, signal: AbortSignal) => Promise<string>) & {
  /**
   * Hashes several small files at once (one message, one read: see HASH_BATCH_BYTES), in order; a
   * file that could not be read gets a HashFailure. Optional: without it files are hashed one by one.
   * Must reject when `signal` aborts.
   */
  many?: (sources: readonly UploadSource[], signal: AbortSignal) => Promise<(string | HashFailure)[]>;
};

/** Hashes on the calling thread: fine in Node and tests, where nothing renders. */
export const inThreadHasher: Hasher = (source, signal) => sha256OfSource(source, signal);
