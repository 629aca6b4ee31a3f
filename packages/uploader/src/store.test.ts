import type { PhotoMessage } from "@rapidphoto/protocol";
import { jobPush, photoPush } from "@rapidphoto/protocol/testing";
import { describe, expect, it } from "vitest";
import { fileState } from "../testing/index.js";
import { mergeJobReport, mergePhotoReport, newJob } from "./merge.js";
import { selectFile, selectTotals } from "./selectors.js";
import { createUploadStore, type FileState, StoreWriter } from "./store.js";

function manualScheduler() {
  const pending: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => pending.push(cb),
    runFrame: () => {
      for (const cb of pending.splice(0)) cb();
    },
    get pending() {
      return pending.length;
    },
  };
}

/** A store and its writer, whose frames the test runs. */
function framedWriter() {
  const store = createUploadStore();
  const frames = manualScheduler();
  return { store, frames, writer: new StoreWriter(store, frames.schedule) };
}

/** A file registered in job_abcdefgh, as most of these tests want it. */
const file = (id: string, patch: Partial<FileState> = {}): FileState =>
  fileState(id, { jobId: "job_abcdefgh", photoId: `ph_${id}xxxxxxxx`, ...patch });

const photoMessage = (patch: Partial<PhotoMessage>): PhotoMessage =>
  photoPush({ jobId: "job_abcdefgh", photoId: "ph_axxxxxxxx", ...patch });

describe("StoreWriter", () => {
  it("coalesces any number of writes into one notification per frame", () => {
    const { store, frames, writer } = framedWriter();
    let notifications = 0;
    store.subscribe(() => notifications++);
    writer.addFile(file("a"));
    writer.addFile(file("b"));
    for (let sent = 1; sent <= 100; sent++) writer.patchFile("a", { bytesSent: sent });
    expect(frames.pending).toBe(1);
    expect(notifications).toBe(0);
    frames.runFrame();
    expect(notifications).toBe(1);
    expect(store.getState().files.a?.bytesSent).toBe(100);
    expect(store.getState().order).toEqual(["a", "b"]);
  });

  it("holds byte progress for the slower progress flush, unless a status write flushes it sooner", () => {
    const store = createUploadStore();
    const frames = manualScheduler();
    const progress = manualScheduler();
    const writer = new StoreWriter(store, frames.schedule, progress.schedule);
    writer.addFile(file("a"));
    writer.addFile(file("b"));
    frames.runFrame();
    let notifications = 0;
    store.subscribe(() => notifications++);
    for (let sent = 1; sent <= 50; sent++) writer.patchProgress("a", { bytesSent: sent });
    writer.setRoot({ speed: 10 }, { progress: true });
    expect(frames.pending).toBe(0);
    expect(progress.pending).toBe(1);
    progress.runFrame();
    expect(notifications).toBe(1);
    expect(store.getState()).toMatchObject({ speed: 10, files: { a: { bytesSent: 50 } } });

    writer.patchProgress("a", { bytesSent: 60 });
    writer.patchFile("b", { status: "UPLOADING" });
    frames.runFrame();
    expect(notifications).toBe(2);
    expect(store.getState().files.a?.bytesSent).toBe(60);
    expect(store.getState().files.b?.status).toBe("UPLOADING");
    progress.runFrame(); // nothing left to write: no notification
    expect(notifications).toBe(2);
  });

  it("while the engine is quiet, holds writes for the settled flush; a new file flushes them on the next frame", () => {
    const store = createUploadStore();
    const frames = manualScheduler();
    const settled = manualScheduler();
    let quiet = false;
    const writer = new StoreWriter(store, frames.schedule, frames.schedule, {
      schedule: settled.schedule,
      quiet: () => quiet,
    });
    writer.addFile(file("a"));
    writer.patchFile("a", { status: "UPLOADING" });
    expect(settled.pending).toBe(0); // sending: the next frame
    frames.runFrame();
    let notifications = 0;
    store.subscribe(() => notifications++);

    quiet = true; // every byte is in: only the server's pushes are left
    writer.patchFile("a", { status: "PROCESSING" });
    writer.patchFile("a", { status: "COMPLETED" });
    expect(frames.pending).toBe(0);
    expect(settled.pending).toBe(1);
    settled.runFrame();
    expect(notifications).toBe(1);
    expect(store.getState().files.a?.status).toBe("COMPLETED");

    writer.setJob(newJob("job_abcdefgh", 1));
    writer.addFile(file("b")); // picked while quiet: shown on the next frame, with the job
    expect(frames.pending).toBe(1);
    frames.runFrame();
    expect(notifications).toBe(2);
    expect(store.getState().order).toEqual(["a", "b"]);
    expect(store.getState().jobs.job_abcdefgh).toBeDefined();
    settled.runFrame(); // nothing left to write: no notification
    expect(notifications).toBe(2);
  });

  it("replaces only the objects of files that changed", () => {
    const { store, frames, writer } = framedWriter();
    writer.addFile(file("a"));
    writer.addFile(file("b"));
    frames.runFrame();
    const before = store.getState();
    writer.patchFile("a", { bytesSent: 10 });
    frames.runFrame();
    const after = store.getState();
    expect(selectFile("a")(after)).not.toBe(selectFile("a")(before));
    expect(selectFile("b")(after)).toBe(selectFile("b")(before));
    expect(after.order).toBe(before.order);
  });

  it("keeps files and order in step through adds, removes and re-adds, and copes with files set from outside", () => {
    const { store, writer } = framedWriter();
    const check = () => {
      const { files, order } = store.getState();
      expect(Object.keys(files).sort()).toEqual([...order].sort());
      expect(new Set(order).size).toBe(order.length);
    };
    for (let round = 0; round < 20; round++) {
      writer.addFile(file(`a${round}`));
      writer.addFile(file(`b${round}`));
      if (round > 2) writer.removeFiles([`a${round - 2}`]);
      if (round % 4 === 3) writer.addFile(file(`a${round - 2}`)); // removed, then added again before the flush
      writer.patchFile(`b${round}`, { status: "UPLOADING" });
      writer.flush();
      check();
      expect(store.getState().files[`b${round}`]?.status).toBe("UPLOADING");
    }
    // A `files` (and `order`) set from outside the writer: the next flush still keeps every file.
    const { files, order } = store.getState();
    store.setState({ files: { ...files, extra: file("extra") }, order: [...order, "extra"] });
    writer.patchFile("extra", { status: "UPLOADING" });
    writer.flush();
    check();
    expect(store.getState().files.extra?.status).toBe("UPLOADING");
    expect(store.getState().files.b0).toBe(files.b0);
  });

  it("never moves a status backwards, except for an explicit retry", () => {
    const { store, frames, writer } = framedWriter();
    writer.addFile(file("a", { status: "COMPLETED" }));
    writer.patchFile("a", { status: "PROCESSING", bytesSent: 100 }); // e.g. finalize's answer after the push
    writer.patchFile("a", { status: "FAILED", error: { code: "X", message: "late" } });
    frames.runFrame();
    expect(store.getState().files.a).toMatchObject({ status: "COMPLETED", bytesSent: 100, error: null });
    writer.addFile(file("b", { status: "FAILED" }));
    writer.patchFile("b", { status: "QUEUED" });
    expect(writer.file("b")?.status).toBe("FAILED");
    writer.patchFile("b", { status: "QUEUED" }, { allowBackward: true });
    frames.runFrame();
    expect(store.getState().files.b?.status).toBe("QUEUED");
  });

  it("removes files and drops writes to removed files", () => {
    const { store, frames, writer } = framedWriter();
    writer.addFile(file("a"));
    writer.addFile(file("b"));
    frames.runFrame();
    writer.removeFiles(["a"]);
    writer.patchFile("a", { bytesSent: 5 });
    frames.runFrame();
    expect(Object.keys(store.getState().files)).toEqual(["b"]);
    expect(store.getState().order).toEqual(["b"]);
  });
});

describe("merging server pushes", () => {
  it("moves a file forward, never back", () => {
    const f = file("a", { status: "UPLOADING" });
    expect(mergePhotoReport(f, photoMessage({ status: "PROCESSING", seq: 5 }))).toMatchObject({
      status: "PROCESSING",
    });
    expect(mergePhotoReport(file("a", { status: "PROCESSING" }), photoMessage({ status: "UPLOADING" }))).toBeNull();
    // Terminal statuses share a rank: the first one sticks.
    expect(mergePhotoReport(file("a", { status: "COMPLETED" }), photoMessage({ status: "FAILED" }))).toBeNull();
  });

  it("keeps the server's error message, and takes no progress from pushes (the engine counts its own bytes)", () => {
    const failed = mergePhotoReport(
      file("a", { status: "PROCESSING" }),
      photoMessage({ status: "FAILED", errorMessage: "Not an image." }),
    );
    expect(failed).toMatchObject({ status: "FAILED", error: { code: "SERVER", message: "Not an image." } });
    const f = file("a", { status: "UPLOADING", bytesSent: 60 });
    expect(mergePhotoReport(f, photoMessage({ progressPercent: 40 }))).toBeNull();
    expect(mergePhotoReport(f, photoMessage({ progressPercent: 70 }))).toBeNull();
  });

  it("ignores pushes from before the user's retry", () => {
    const retried = file("a", { status: "QUEUED", seqFloor: 9 });
    expect(mergePhotoReport(retried, photoMessage({ status: "FAILED", seq: 9 }))).toBeNull();
    expect(mergePhotoReport(retried, photoMessage({ status: "UPLOADING", seq: 10 }))).toMatchObject({
      status: "UPLOADING",
    });
  });

  it("applies job counts only from newer messages", () => {
    const message = (seq: number, completedCount: number) =>
      jobPush({ jobId: "job_abcdefgh", totalCount: 3, uploadingCount: 3 - completedCount, completedCount, seq });
    const job = mergeJobReport(newJob("job_abcdefgh", 3), message(5, 2));
    expect(job.completedCount).toBe(2);
    expect(mergeJobReport(job, message(4, 1))).toBe(job);
    expect(mergeJobReport(job, message(6, 3)).completedCount).toBe(3);
    // A photo push may take the job's seq first; the job message at that seq still applies.
    const seen = mergeJobReport(job, { seq: 6 });
    expect(seen).toMatchObject({ seq: 6, completedCount: 2 });
    expect(mergeJobReport(seen, message(6, 3)).completedCount).toBe(3);
  });
});

describe("selectTotals", () => {
  it("sums bytes per job and overall, leaving cancelled files out, and is computed once per state", () => {
    const { store, frames, writer } = framedWriter();
    writer.addFile(file("a", { bytesSent: 100, status: "PROCESSING" }));
    writer.addFile(file("b", { bytesSent: 50, status: "UPLOADING", jobId: "job_other123" }));
    writer.addFile(file("c", { bytesSent: 20, status: "CANCELLED" }));
    frames.runFrame();
    const state = store.getState();
    const totals = selectTotals(state);
    expect(totals).toMatchObject({ bytesSent: 150, bytesTotal: 200, percent: 75, totalCount: 3, cancelledCount: 1 });
    expect(selectTotals(state)).toBe(totals);
    expect(selectTotals(state, "job_abcdefgh")).toMatchObject({ bytesSent: 100, bytesTotal: 100, percent: 100 });
  });
});
