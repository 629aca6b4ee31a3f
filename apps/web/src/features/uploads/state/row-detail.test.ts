import { fileState } from "@rapidphoto/uploader/testing";
import { describe, expect, it } from "vitest";
import { AWAITING_ORIGINAL_TEXT, rowDetail } from "./row-detail";

describe("a panel row's detail line", () => {
  it("says a held copy waits for the file it is the same as, unless paused", () => {
    const copy = fileState("f_2", { awaitingOriginal: true });
    expect(rowDetail(copy, 0, null, false)).toBe(AWAITING_ORIGINAL_TEXT);
    expect(rowDetail(copy, 0, 3, false)).toBe(AWAITING_ORIGINAL_TEXT);
    expect(rowDetail(copy, 0, null, true)).toBe("Paused");
  });

  it("says where a queued file is otherwise", () => {
    expect(rowDetail(fileState("f_1"), 0, null, false)).toBe("Preparing…");
    expect(rowDetail(fileState("f_1"), 0, 4, false)).toBe("#4 in queue");
    expect(rowDetail(fileState("f_1", { jobId: "job_1" }), 0, null, false)).toBe("Waiting");
    expect(rowDetail(fileState("f_1", { needsFile: true }), 0, null, false)).toBe(
      "Needs the file again · pick it again to finish",
    );
  });

  it("shows a sending file's percent, parts and retries", () => {
    const file = fileState("f_1", { status: "UPLOADING", method: "MULTIPART", partCount: 4, partsDone: 1, retries: 2 });
    expect(rowDetail(file, 40, null, false)).toBe("40% · part 1/4 · retrying (2)");
    expect(rowDetail(file, 40, null, true)).toBe("Paused at 40% · part 1/4 · retrying (2)");
  });
});
