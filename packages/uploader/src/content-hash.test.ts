import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256OfSource } from "./content-hash.js";
import { bytesSource } from "./source.js";

const nodeSha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("sha256OfSource", () => {
  const bytes = new Uint8Array(10_000).map((_, i) => (i * 7919) % 251);

  it("hashes across chunk boundaries to the same digest as one pass", async () => {
    const source = bytesSource(bytes, { name: "a.jpg", type: "image/jpeg" });
    for (const chunk of [1_000, 3_333, 10_000, 1 << 22]) {
      expect(await sha256OfSource(source, undefined, chunk)).toBe(nodeSha256(bytes));
    }
  });

  it("reads Blob slices like a browser File", async () => {
    const blob = new Blob([bytes]);
    const source = { size: blob.size, slice: (start: number, end: number) => blob.slice(start, end) };
    expect(await sha256OfSource(source, undefined, 4_096)).toBe(nodeSha256(bytes));
  });

  it("stops when aborted", async () => {
    const source = bytesSource(bytes, { name: "a.jpg", type: "image/jpeg" });
    const abort = new AbortController();
    abort.abort(new Error("picked again"));
    await expect(sha256OfSource(source, abort.signal, 1_000)).rejects.toThrow("picked again");
  });
});
