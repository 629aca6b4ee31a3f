/** Between the page and its hashing worker (hash.worker.ts). */
export type HashRequest = { type: "hash"; id: number; blob: Blob } | { type: "abort"; id: number };
export type HashReply = { id: number; sha256: string; ms: number } | { id: number; error: string };
