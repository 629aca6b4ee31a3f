import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { sha256OfBlobs, sha256OfSource } from "./content-hash.js";
import { bytesSource } from "./source.js";

const nodeSha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
/** Streaming through hash-wasm, as over plain HTTP or for a file past the whole-file limit. */
const streamed = (chunkBytes: number) => ({ chunkBytes, subtle: null });

describe("sha256OfSource", () => {
  const bytes = new Uint8Array(10_000).map((_, i) => (i * 7919) % 251);

  it("hashes across chunk boundaries to the same digest as one pass", async () => {
    const source = bytesSource(bytes, { name: "a.jpg", type: "image/jpeg" });
    for (const chunk of [1_000, 3_333, 10_000, 1 << 22]) {
      expect(await sha256OfSource(source, undefined, streamed(chunk))).toBe(nodeSha256(bytes));
    }
  });

  it("reads Blob slices like a browser File", async () => {
    const blob = new Blob([bytes]);
    const source = { size: blob.size, slice: (start: number, end: number) => blob.slice(start, end) };
    expect(await sha256OfSource(source, undefined, streamed(4_096))).toBe(nodeSha256(bytes));
    expect(await sha256OfSource(source)).toBe(nodeSha256(bytes)); // natively, whole
  });

  it("stops when aborted", async () => {
    const source = bytesSource(bytes, { name: "a.jpg", type: "image/jpeg" });
    const abort = new AbortController();
    abort.abort(new Error("picked again"));
    await expect(sha256OfSource(source, abort.signal, streamed(1_000))).rejects.toThrow("picked again");
    await expect(sha256OfSource(source, abort.signal)).rejects.toThrow("picked again");
  });

  it("digests natively and whole up to the limit, streams past it, and both give the same digest", async () => {
    const subtle = {
      digest: vi.fn((algorithm: "SHA-256", data: Uint8Array<ArrayBuffer>) => crypto.subtle.digest(algorithm, data)),
    };
    for (const size of [0, 1, 4_999, 5_000, 5_001, 10_000]) {
      const part = bytes.subarray(0, size);
      const source = { size, slice: vi.fn((start: number, end: number) => part.subarray(start, end)) };
      subtle.digest.mockClear();
      const digest = await sha256OfSource(source, undefined, { subtle, wholeFileMaxBytes: 5_000, chunkBytes: 1_024 });
      expect(digest).toBe(nodeSha256(part));
      if (size <= 5_000) {
        expect(subtle.digest).toHaveBeenCalledTimes(1);
        expect(source.slice.mock.calls).toEqual([[0, size]]);
      } else {
        expect(subtle.digest).not.toHaveBeenCalled();
        expect(source.slice).toHaveBeenCalledTimes(Math.ceil(size / 1_024));
      }
    }
  });

  it("stops a whole-file read that the abort overtook, before the digest", async () => {
    const abort = new AbortController();
    const subtle = { digest: vi.fn() };
    const source = {
      size: bytes.length,
      slice: async () => {
        abort.abort(new Error("cancelled"));
        return bytes;
      },
    };
    await expect(sha256OfSource(source, abort.signal, { subtle })).rejects.toThrow("cancelled");
    expect(subtle.digest).not.toHaveBeenCalled();
  });
});

describe("sha256OfBlobs", () => {
  const files = [3_000, 1, 0, 7_777].map((size, f) => new Uint8Array(size).map((_, i) => (i * 31 + f) % 253));

  it("reads a batch as one and gives each file its own digest, the same as file by file", async () => {
    const blobs = files.map((bytes) => new Blob([bytes]));
    const read = vi.spyOn(Blob.prototype, "arrayBuffer");
    try {
      expect(await sha256OfBlobs(blobs)).toEqual(files.map(nodeSha256));
      expect(read).toHaveBeenCalledTimes(1); // one read for the batch
      read.mockClear();
      expect(await sha256OfBlobs(blobs, undefined, { subtle: null })).toEqual(files.map(nodeSha256));
      expect(read.mock.calls.length).toBeGreaterThan(1); // without the native digest: file by file
    } finally {
      read.mockRestore();
    }
  });

  it("hashes file by file when the joint read fails, and names only the unreadable file", async () => {
    const blobs = files.map((bytes) => new Blob([bytes]));
    const total = files.reduce((sum, f) => sum + f.length, 0);
    const original = Blob.prototype.arrayBuffer;
    // The joint Blob and the 7,777-byte file cannot be read (a file deleted since it was picked).
    const read = vi.spyOn(Blob.prototype, "arrayBuffer").mockImplementation(function (this: Blob) {
      if (this.size === total || this.size === 7_777) return Promise.reject(new Error("NotReadableError"));
      return original.call(this);
    });
    try {
      const results = await sha256OfBlobs(blobs);
      expect(results.slice(0, 3)).toEqual(files.slice(0, 3).map(nodeSha256));
      expect(results[3]).toEqual({ error: "NotReadableError" });
    } finally {
      read.mockRestore();
    }
  });

  it("rejects when aborted", async () => {
    const abort = new AbortController();
    abort.abort(new Error("cancelled"));
    const blobs = files.map((bytes) => new Blob([bytes]));
    await expect(sha256OfBlobs(blobs, abort.signal)).rejects.toThrow("cancelled");
    await expect(sha256OfBlobs(blobs, abort.signal, { subtle: null })).rejects.toThrow("cancelled");
  });
});
