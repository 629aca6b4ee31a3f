import type { FileState, UploadState } from "@rapidphoto/uploader";
import { fileState, uploadState } from "@rapidphoto/uploader/testing";
import { describe, expect, it } from "vitest";
import {
  activeLocalJobsKey,
  isSending,
  localBatchStatuses,
  localCounts,
  localPanel,
  localRowIds,
  ownJobsKey,
  queuePosition,
  summarize,
} from "./local-panel";

const file = (id: string, over: Partial<FileState> = {}): FileState => fileState(id, { jobId: "job_a", ...over });
const state = uploadState;

const s = state(
  [
    file("a", { status: "UPLOADING", bytesSent: 50 }),
    file("b"),
    file("c", { status: "COMPLETED", bytesSent: 100, jobId: "job_b" }),
    file("d", { status: "FAILED", bytesSent: 30, jobId: "job_b" }),
    file("e", { status: "PROCESSING", bytesSent: 100 }),
    file("f", { status: "CANCELLED" }),
  ],
  ["b"],
);
const none = new Set<string>();
const dup = { photoId: "ph_1", status: "COMPLETED", inTrash: false } as const;

describe("panel rows", () => {
  it("lists each tab's files attention first (running, waiting in queue order, failed, the rest), leaving hidden ones out", () => {
    expect(localRowIds(s, none, "all")).toEqual(["a", "e", "b", "d", "c", "f"]);
    expect(localRowIds(s, none, "active")).toEqual(["a", "e", "b"]);
    expect(localRowIds(s, none, "completed")).toEqual(["c"]);
    expect(localRowIds(s, new Set(["d"]), "failed")).toEqual([]);
    expect(localCounts(s, none)).toEqual({ all: 6, active: 3, completed: 1, failed: 1 });
  });

  it("lists waiting files in the order they will be sent, as reordered", () => {
    const waiting = state([file("p"), file("q"), file("r"), file("done", { status: "COMPLETED" })], ["r", "p", "q"]);
    expect(localRowIds(waiting, none, "all")).toEqual(["r", "p", "q", "done"]);
    expect(localRowIds(waiting, new Set(["p"]), "active")).toEqual(["r", "q"]);
  });

  it("counts the files of a selection still being added from the start, as queued, in their batch", () => {
    const first = [file("p", { jobId: null, batchId: "b_1" }), file("q", { jobId: null, batchId: "b_1" })];
    const adding = { ...state(first, ["p", "q"]), adding: { b_1: { files: 998, paused: false } } };
    expect(localCounts(adding, none)).toEqual({ all: 1000, active: 1000, completed: 0, failed: 0 });
    expect(summarize(adding, none)).toMatchObject({
      totalCount: 1000,
      queuedCount: 1000,
      sendingCount: 1000,
      pausedCount: 0,
      addingCount: 998,
    });
    expect(localBatchStatuses(adding, none)).toEqual(["b_1:QUEUED"]);
    // Only the rows that exist are listed; paused ones to come count as paused.
    expect(localRowIds(adding, none, "all")).toEqual(["p", "q"]);
    const paused = { ...adding, adding: { b_1: { files: 998, paused: true } } };
    expect(summarize(paused, none)).toMatchObject({ sendingCount: 2, pausedCount: 998 });
  });

  it("gives queued files their place in the queue", () => {
    expect(queuePosition(s, "b")).toBe(1);
    expect(queuePosition(s, "a")).toBeNull();
  });

  it("follows jobs with work left, and knows which jobs are this tab's", () => {
    expect(activeLocalJobsKey(s)).toBe("job_a");
    expect(ownJobsKey(s)).toBe("job_a,job_b");
  });

  it("sums bytes over files still wanted, so the batch can reach 100%", () => {
    const sum = summarize(s, none);
    expect(sum).toMatchObject({
      sendingCount: 2,
      processingCount: 1,
      completedCount: 1,
      failedCount: 1,
      cancelledCount: 1,
      totalCount: 6,
    });
    expect(sum.bytesTotal).toBe(400); // a, b, c, e: failed and cancelled drop out
    expect(sum.bytesSent).toBe(250);
    expect(summarize(s, none)).toBe(sum); // computed once per state
  });

  it("gives one status per batch, however many jobs carry it, counting files not registered yet as queued", () => {
    const counts = { queuedCount: 0, uploadingCount: 0, processingCount: 0, failedCount: 0, cancelledCount: 0 };
    const split = state([
      file("a1", { batchId: "b_1", jobId: "job_1", status: "COMPLETED" }),
      file("a2", { batchId: "b_1", jobId: "job_2", status: "FAILED" }),
      file("a3", { batchId: "b_1", jobId: null, status: "QUEUED" }),
      file("x", { batchId: "b_2", jobId: null, status: "FAILED" }), // refused before any job
      file("c1", { batchId: "b_3", jobId: "job_3", status: "COMPLETED" }),
    ]);
    split.jobs = {
      job_1: { jobId: "job_1", status: "COMPLETED", seq: 3, ...counts, totalCount: 1, completedCount: 1 },
      job_2: { jobId: "job_2", status: "FAILED", seq: 3, ...counts, totalCount: 1, completedCount: 0, failedCount: 1 },
      job_3: { jobId: "job_3", status: "COMPLETED", seq: 3, ...counts, totalCount: 1, completedCount: 1 },
    };
    expect(localBatchStatuses(split, none)).toEqual(["b_1:IN_PROGRESS", "b_3:COMPLETED"]);
    // Once the last file's job is done, the batch is done with errors: one batch, not three jobs.
    const done = { ...split, files: { ...split.files, a3: { ...split.files.a3!, jobId: "job_2" } } };
    done.jobs = { ...split.jobs, job_2: { ...split.jobs.job_2!, totalCount: 2, completedCount: 1 } };
    expect(localBatchStatuses(done, none)).toEqual(["b_1:COMPLETED_WITH_ERRORS", "b_3:COMPLETED"]);
    expect(localBatchStatuses(done, new Set(["c1"]))).toEqual(["b_1:COMPLETED_WITH_ERRORS"]);
  });

  it("never shows a batch Completed while one of this tab's files in it is unfinished", () => {
    const counts = { queuedCount: 0, uploadingCount: 0, processingCount: 0, failedCount: 0, cancelledCount: 0 };
    const waiting = state([
      file("a", { batchId: "b_1", jobId: "job_a", status: "COMPLETED" }),
      file("b", { batchId: "b_1", jobId: "job_a", status: "QUEUED", needsFile: true }),
    ]);
    // A job view that claims every photo done (a stale count) while file b still needs its file.
    waiting.jobs = {
      job_a: { jobId: "job_a", status: "COMPLETED", seq: 1, ...counts, totalCount: 2, completedCount: 2 },
    };
    expect(localBatchStatuses(waiting, none)).toEqual(["b_1:IN_PROGRESS"]);
  });
  it("works the panel out once per state and hidden set, keeping every piece that did not change", () => {
    const start: UploadState = { ...s };
    const first = localPanel(start, none);
    expect(localPanel(start, none)).toBe(first);
    // A new state where only bytes moved: same rows, counts and batches (same objects), new totals.
    const moved: UploadState = { ...s, files: { ...s.files, a: { ...s.files.a!, bytesSent: 60 } } };
    const next = localPanel(moved, none);
    expect(next).not.toBe(first);
    expect(next.rows).toBe(first.rows);
    expect(next.counts).toBe(first.counts);
    expect(next.batches).toBe(first.batches);
    expect(next.totals).not.toBe(first.totals);
    expect(next.totals.bytesSent).toBe(260);
    // A status change moves a row: that tab's list and the counts are new, other tabs' lists are kept.
    const done: UploadState = { ...moved, files: { ...moved.files, e: { ...moved.files.e!, status: "COMPLETED" } } };
    const after = localPanel(done, none);
    expect(after.rows.all).toEqual(["a", "b", "d", "c", "e", "f"]);
    expect(after.rows.completed).toEqual(["c", "e"]);
    expect(after.rows.failed).toBe(next.rows.failed);
    expect(after.counts).toEqual({ all: 6, active: 2, completed: 2, failed: 1 });
    // Equal again by value: the pieces of the panel just before are reused.
    const back = localPanel({ ...done }, none);
    expect(back.rows).toBe(after.rows);
    expect(back.totals).toBe(after.totals);
  });

  it("works rows out again after a bytes-only state whenever what places a row changed", () => {
    const base: UploadState = { ...s };
    localPanel(base, none);
    const patch = (from: UploadState, id: string, over: Partial<FileState>): UploadState => ({
      ...from,
      files: { ...from.files, [id]: { ...from.files[id]!, ...over } },
    });
    // Bytes only: the rows of the state before are kept.
    const moved = patch(base, "a", { bytesSent: 70 });
    expect(localPanel(moved, none).rows).toBe(localPanel(base, none).rows);
    // A file found in the library already: listed under All only.
    expect(localPanel(patch(moved, "b", { duplicateOf: dup }), none).rows.active).toEqual(["a", "e"]);
    // A file waiting for its bytes again: its batch is unfinished.
    const job = { jobId: "job_a", status: "COMPLETED", seq: 1, totalCount: 3, completedCount: 3 } as const;
    const zero = { queuedCount: 0, uploadingCount: 0, processingCount: 0, failedCount: 0, cancelledCount: 0 };
    const withJob: UploadState = { ...moved, jobs: { job_a: { ...job, ...zero } } };
    expect(localBatchStatuses(withJob, none)).toContain("b_1:COMPLETED");
    expect(localBatchStatuses(patch(withJob, "a", { needsFile: true }), none)).toContain("b_1:IN_PROGRESS");
    // A job's counts moved (and nothing else since the state before): the batch status follows.
    expect(localBatchStatuses({ ...withJob }, none)).toContain("b_1:COMPLETED");
    const failed = {
      ...withJob,
      jobs: { job_a: { ...job, ...zero, status: "FAILED", completedCount: 0, failedCount: 3 } },
    } as UploadState;
    expect(localBatchStatuses(failed, none)).toContain("b_1:FAILED");
    // Rows hidden, or the queue reordered.
    expect(localPanel(moved, new Set(["a"])).rows.all).toEqual(["e", "b", "d", "c", "f"]);
    const queued = patch(moved, "e", { status: "QUEUED" });
    expect(localPanel({ ...queued, queue: ["e", "b"] }, none).rows.active).toEqual(["a", "e", "b"]);
    expect(localPanel({ ...queued, queue: ["b", "e"] }, none).rows.active).toEqual(["a", "b", "e"]);
  });

  it("knows whether leaving the page would stop a file that is sending", () => {
    expect(isSending(s)).toBe(true);
    const paused = state([file("p", { paused: true }), file("q", { status: "COMPLETED" })]);
    expect(isSending(paused)).toBe(false);
    expect(isSending(state([file("n", { status: "UPLOADING", needsFile: true })]))).toBe(true);
  });
});
