import { createSHA256 } from "hash-wasm";
import type { UploadSource } from "./source.js";

/**
 * Bytes read per step. Large enough that the wasm call overhead is noise, small enough that a
 * 5 GiB file never has more than this in memory.
 */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The SHA-256 of a source as 64 lowercase hex characters (the protocol's `sha256`), read chunk by
 * chunk. WebAssembly rather than SubtleCrypto: `crypto.subtle` exists only in secure contexts (a
 * server opened over plain HTTP on a LAN has none) and cannot hash a stream incrementally. Meant to
 * run in a Worker so the page never waits for it; it also runs on the main thread and in Node.
 */
export async function sha256OfSource(
  source: Pick<UploadSource, "size" | "slice">,
  signal?: AbortSignal,
  chunkBytes = HASH_CHUNK_BYTES,
): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let start = 0; start < source.size; start += chunkBytes) {
    signal?.throwIfAborted();
    const body = await source.slice(start, Math.min(source.size, start + chunkBytes));
    hasher.update(body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer()));
  }
  return hasher.digest("hex");
}

/**
 * How the engine learns a file's SHA-256: injected, so the engine stays free of any runtime. The web
 * app passes one backed by a dedicated Worker (the page never waits for it); Node and tests can pass
 * `inThreadHasher`. Must reject when `signal` aborts.
 */
export type Hasher = (source: UploadSource, signal: AbortSignal) => Promise<string>;

/** Hashes on the calling thread: fine in Node and tests, where nothing renders. */
export const inThreadHasher: Hasher = (source, signal) => sha256OfSource(source, signal);
