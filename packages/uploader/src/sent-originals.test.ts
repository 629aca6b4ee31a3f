import { describe, expect, it } from "vitest";
import { SentOriginals } from "./sent-originals.js";

type Fake = { status: string; paused?: boolean; needsFile?: boolean };

/** Originals over fake files: the test sets each file's status. */
function rig() {
  const files = new Map<string, Fake>();
  const originals = new SentOriginals((id) => files.get(id) as never);
  const set = (id: string, status: string, extra: Omit<Fake, "status"> = {}) => files.set(id, { status, ...extra });
  return { files, originals, set };
}
const NONE = new Set<string>();

describe("SentOriginals", () => {
  it("makes a copy wait while the file with its hash is being sent, and no longer once it is stored", () => {
    const { originals, set } = rig();
    set("a", "QUEUED");
    originals.add("a", "h1", 100);
    expect(originals.waits("b", "h1", 100, NONE)).toBe(true);
    expect(originals.waits("c", "h2", 100, NONE)).toBe(false); // same size, other hash
    set("a", "UPLOADING");
    expect(originals.waits("b", "h1", 100, NONE)).toBe(true);
    set("a", "UPLOADING", { paused: true }); // paused: still to be sent, on resume
    expect(originals.waits("b", "h1", 100, NONE)).toBe(true);
    set("a", "PROCESSING");
    expect(originals.waits("b", "h1", 100, NONE)).toBe(false);
  });

  it("does not wait for a file failed, cancelled, gone or without its file", () => {
    for (const [status, extra] of [
      ["FAILED", {}],
      ["CANCELLED", {}],
      ["GONE", {}],
      ["QUEUED", { needsFile: true }],
    ] as const) {
      const { originals, set, files } = rig();
      originals.add("a", "h1", 100);
      if (status === "GONE") files.delete("a");
      else set("a", status, extra);
      expect(originals.waits("b", "h1", 100, NONE), status).toBe(false);
    }
  });

  it("makes any hashed file of the size of one sent unhashed wait, but not one going in the same request as a hashed one", () => {
    const { originals, set } = rig();
    set("u", "UPLOADING");
    originals.add("u", null, 500);
    expect(originals.waits("b", "h9", 500, NONE)).toBe(true);
    expect(originals.waits("b", "h9", 501, NONE)).toBe(false);
    // Unhashed beside it in one request: the server cannot tell, so it still waits.
    expect(originals.waits("b", "h9", 500, new Set(["u"]))).toBe(true);

    set("a", "QUEUED");
    originals.add("a", "h1", 100);
    expect(originals.waits("b", "h1", 100, new Set(["a"]))).toBe(false);
    expect(originals.waits("a", "h1", 100, NONE)).toBe(false); // not its own copy
  });

  it("forgets stored originals as it goes: what it keeps follows the files being sent", () => {
    const { originals, set } = rig();
    for (let i = 0; i < 1_000; i++) {
      set(`f${i}`, "QUEUED");
      originals.add(`f${i}`, `h${i}`, 100);
      // Ten files are being sent at a time; the ones before are stored.
      if (i >= 10) set(`f${i - 10}`, "PROCESSING");
    }
    expect(originals.kept).toBeLessThanOrEqual(256);
    expect(originals.waits("copy", "h995", 100, NONE)).toBe(true);
    expect(originals.waits("copy", "h5", 100, NONE)).toBe(false);
  });
});
