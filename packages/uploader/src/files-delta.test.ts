import { describe, expect, it } from "vitest";
import { fileState } from "../testing/index.js";
import { changedFiles, DELTA_LOG_FLUSHES } from "./files-delta.js";
import { createUploadStore, StoreWriter } from "./store.js";

function writer() {
  const store = createUploadStore();
  return { store, writer: new StoreWriter(store, () => {}) };
}

describe("changedFiles", () => {
  it("names the files a flush added, changed or removed, and only those", () => {
    const { store, writer: w } = writer();
    const empty = store.getState().files;
    for (const id of ["a", "b", "c"]) w.addFile(fileState(id));
    w.flush();
    const added = store.getState().files;
    expect(changedFiles(empty, added)).toEqual(["a", "b", "c"]);
    w.patchFile("b", { bytesSent: 5 });
    w.flush();
    const patched = store.getState().files;
    expect(changedFiles(added, patched)).toEqual(["b"]);
    w.removeFiles(["c"]);
    w.patchFile("a", { bytesSent: 1 });
    w.flush();
    expect([...(changedFiles(patched, store.getState().files) ?? [])].sort()).toEqual(["a", "c"]);
    expect(changedFiles(patched, patched)).toEqual([]);
  });

  it("spans several flushes, each id once", () => {
    const { store, writer: w } = writer();
    for (const id of ["a", "b", "c"]) w.addFile(fileState(id));
    w.flush();
    const start = store.getState().files;
    w.patchFile("a", { bytesSent: 1 });
    w.flush();
    w.patchFile("a", { bytesSent: 2 });
    w.patchFile("b", { bytesSent: 2 });
    w.flush();
    expect([...(changedFiles(start, store.getState().files) ?? [])].sort()).toEqual(["a", "b"]);
  });

  it("cannot tell beyond the log, across a store set from outside the writer, or between stores", () => {
    const { store, writer: w } = writer();
    w.addFile(fileState("a"));
    w.flush();
    const start = store.getState().files;
    for (let i = 1; i <= DELTA_LOG_FLUSHES; i++) {
      w.patchFile("a", { bytesSent: i });
      w.flush();
    }
    expect(changedFiles(start, store.getState().files)).toEqual(["a"]);
    w.patchFile("a", { bytesSent: 0 });
    w.flush();
    expect(changedFiles(start, store.getState().files)).toBeNull();

    const before = store.getState().files;
    store.setState({ files: { ...before, b: fileState("b") } });
    const outside = store.getState().files;
    w.patchFile("a", { bytesSent: 7 });
    w.flush();
    expect(changedFiles(outside, store.getState().files)).toEqual(["a"]);
    expect(changedFiles(before, store.getState().files)).toBeNull();

    const other = writer();
    other.writer.addFile(fileState("a"));
    other.writer.flush();
    expect(changedFiles(before, other.store.getState().files)).toBeNull();
  });
});
