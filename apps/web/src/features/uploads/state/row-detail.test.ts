import { jobViewPhoto } from "@rapidphoto/protocol/testing";
import { fileState } from "@rapidphoto/uploader/testing";
import { describe, expect, it } from "vitest";
import { AWAITING_ORIGINAL_TEXT, isStranded, remoteRowDetail, rowDetail } from "./row-detail";

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

describe("the detail line of a photo another tab sends", () => {
  it("says another tab sends it only while the server knows of one", () => {
    const sent = jobViewPhoto({ status: "UPLOADING", waitingForFile: false });
    const stranded = jobViewPhoto({ status: "QUEUED", waitingForFile: true });
    expect(remoteRowDetail(sent)).toBe("Uploading in another tab");
    expect(isStranded(sent)).toBe(false);
    expect(remoteRowDetail(stranded)).toBe("Needs the file again · no tab is sending it");
    expect(isStranded(stranded)).toBe(true);
    // Past its bytes the lapse no longer matters.
    expect(isStranded(jobViewPhoto({ status: "PROCESSING", waitingForFile: true }))).toBe(false);
  });

  it("says what a local row says once the bytes are in, and that only the sending tab can retry", () => {
    expect(remoteRowDetail(jobViewPhoto({ status: "PROCESSING" }))).toBe("Stored · processing on the server…");
    expect(remoteRowDetail(jobViewPhoto({ status: "COMPLETED" }))).toBe("Done");
    expect(remoteRowDetail(jobViewPhoto({ status: "CANCELLED" }))).toBe("Cancelled");
    expect(remoteRowDetail(jobViewPhoto({ status: "FAILED", errorMessage: "Too big." }))).toBe(
      "Too big. Retry from the tab that has the file.",
    );
    expect(rowDetail(fileState("f_1", { status: "PROCESSING" }), 100, null, false)).toBe(
      "Stored · processing on the server…",
    );
    expect(rowDetail(fileState("f_1", { status: "COMPLETED" }), 100, null, false)).toBe("Done");
  });
});
