import type { HashFailure } from "@rapidphoto/uploader";

/** Between the page and its hashing worker (hash.worker.ts). */
export type HashRequest =
  | { type: "hash"; id: number; blob: Blob }
  /** Several small files at once: one message and one read for all of them (content-hash.ts sha256OfBlobs). */
  | { type: "hash-many"; id: number; blobs: Blob[] }
  | { type: "abort"; id: number };
export type HashReply =
  | { id: number; sha256: string; ms: number }
  /** A "hash-many" request's answer: a digest or a failure per file, in order. */
  | { id: number; results: (string | HashFailure)[]; ms: number }
  | { id: number; error: string };
