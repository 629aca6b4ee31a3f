/// <reference lib="webworker" />
// The hashing module alone, not the package's index: this worker's bundle holds no engine code.
import { sha256OfBlobs, sha256OfSource } from "@rapidphoto/uploader/content-hash";
import { BusyTime } from "./busy-time";
import type { HashReply, HashRequest } from "./hash-messages";

/**
 * The upload engine's hasher, off the page's thread: SubtleCrypto on the whole file where the page
 * is a secure context and the file is not huge, hash-wasm chunk by chunk otherwise (content-hash.ts).
 * A File posted here is a handle, not a copy of its bytes; requests overlap (one file is read while
 * another is digested) as the engine sends them. Small files come in batches ("hash-many"), read as one.
 */
declare const self: DedicatedWorkerGlobalScope;

const running = new Map<number, AbortController>();
/** Each reply's `ms`: the worker's busy time since the last reply (see busy-time.ts). */
const busy = new BusyTime();

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const message = event.data;
  if (message.type === "abort") {
    running.get(message.id)?.abort(new Error("aborted"));
    return;
  }
  const abort = new AbortController();
  running.set(message.id, abort);
  busy.start(performance.now());
  let reply: HashReply;
  try {
    if (message.type === "hash-many") {
      const results = await sha256OfBlobs(message.blobs, abort.signal);
      reply = { id: message.id, results, ms: busy.end(performance.now()) };
    } else {
      const sha256 = await sha256OfSource(message.blob, abort.signal);
      reply = { id: message.id, sha256, ms: busy.end(performance.now()) };
    }
  } catch (error) {
    busy.end(performance.now());
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  } finally {
    running.delete(message.id);
  }
  self.postMessage(reply);
};
