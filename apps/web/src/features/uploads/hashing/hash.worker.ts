/// <reference lib="webworker" />
import { sha256OfSource } from "@rapidphoto/uploader";
import type { HashReply, HashRequest } from "./hash-messages";

/**
 * The upload engine's hasher, off the page's thread: reads each file chunk by chunk and hashes it
 * with hash-wasm (SubtleCrypto is missing over plain HTTP and cannot hash a stream). A File posted
 * here is a handle, not a copy of its bytes.
 */
declare const self: DedicatedWorkerGlobalScope;

const running = new Map<number, AbortController>();

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const message = event.data;
  if (message.type === "abort") {
    running.get(message.id)?.abort(new Error("aborted"));
    return;
  }
  const abort = new AbortController();
  running.set(message.id, abort);
  const startedAt = performance.now();
  let reply: HashReply;
  try {
    const sha256 = await sha256OfSource(message.blob, abort.signal);
    reply = { id: message.id, sha256, ms: performance.now() - startedAt };
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  } finally {
    running.delete(message.id);
  }
  self.postMessage(reply);
};
