import { createUploadStore } from "@rapidphoto/uploader";
import { fileState, StoreWriter } from "@rapidphoto/uploader/testing";
import { describe, expect, it } from "vitest";
import { enteredLibrary } from "./library-entries";

describe("enteredLibrary", () => {
  it("names the photos that reached the library or moved within it, flush by flush or across a copy", () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    for (const id of ["a", "b", "c"]) writer.addFile(fileState(id, { photoId: `ph_${id}`, status: "UPLOADING" }));
    writer.flush();
    const start = store.getState().files;
    writer.patchFile("a", { status: "PROCESSING" });
    writer.patchFile("b", { bytesSent: 50 });
    writer.flush();
    const processing = store.getState().files;
    expect(enteredLibrary(processing, start)).toEqual(["ph_a"]);
    writer.patchFile("a", { status: "COMPLETED" });
    writer.patchFile("c", { status: "PROCESSING" });
    writer.flush();
    const done = store.getState().files;
    expect(enteredLibrary(done, processing)).toEqual(["ph_a", "ph_c"]);
    expect(enteredLibrary(done, start)).toEqual(["ph_a", "ph_c"]);
    // Objects the store's log does not know: every file is looked at.
    expect(enteredLibrary({ ...done }, { ...start })).toEqual(["ph_a", "ph_c"]);
    expect(enteredLibrary(done, done)).toEqual([]);
  });
});
