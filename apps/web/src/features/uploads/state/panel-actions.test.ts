import { ApiError, type FileState, type UploadState } from "@rapidphoto/uploader";
import { fileState, uploadState } from "@rapidphoto/uploader/testing";
import { describe, expect, it, vi } from "vitest";
import { createStore } from "zustand/vanilla";
import { cancelAll, cancelFailureNotice, clearCompleted } from "./panel-actions";
import type { RemoteRow } from "./panel-rows";
import { uploadPanelStore } from "./upload-panel-store";
import type { UploadSession } from "./upload-session";

const file = (id: string, jobId: string, status: FileState["status"]) =>
  fileState(id, { jobId, photoId: `ph_${id}`, status });

const row = (photoId: string, jobId: string, status: RemoteRow["status"]): RemoteRow => ({
  key: `r:${photoId}`,
  jobId,
  photoId,
  status,
  waitingForFile: false,
});

/** A session with only what the panel's actions read: the engine's files, and its clearCompleted. */
function sessionWith(files: FileState[]) {
  const state = uploadState(files);
  const uploader = { store: createStore<UploadState>()(() => state), clearCompleted: vi.fn() };
  return { session: { uploader } as unknown as UploadSession, uploader };
}

describe("clearCompleted", () => {
  it("dismisses jobs whose every photo completed, and keeps completed photos one by one only in jobs with failures", () => {
    uploadPanelStore.setState({ dismissedJobs: [], clearedPhotos: [], clearedRows: new Set() });
    const { session, uploader } = sessionWith([
      file("a1", "job_done", "COMPLETED"),
      file("a2", "job_done", "COMPLETED"),
      file("b1", "job_mixed", "COMPLETED"),
      file("b2", "job_mixed", "FAILED"),
    ]);
    const remote = [
      row("c1", "job_remote_done", "COMPLETED"),
      row("d1", "job_remote_mixed", "COMPLETED"),
      row("d2", "job_remote_mixed", "FAILED"),
    ];

    clearCompleted(session, remote);

    const panel = uploadPanelStore.getState();
    expect(panel.dismissedJobs.sort()).toEqual(["job_done", "job_remote_done"]);
    // After a reload, these keys keep the completed rows of the still-listed jobs out of sight.
    expect(panel.clearedPhotos.sort()).toEqual(["r:d1", "r:ph_b1"]);
    expect(panel.clearedRows.has("r:d1")).toBe(true);
    expect(panel.clearedRows.has("r:d2")).toBe(false);
    expect(uploader.clearCompleted).toHaveBeenCalledOnce();
  });

  it("dismisses nothing and keeps nothing when no photo completed", () => {
    uploadPanelStore.setState({ dismissedJobs: [], clearedPhotos: [], clearedRows: new Set() });
    const { session } = sessionWith([file("a1", "job_a", "FAILED"), file("a2", "job_a", "UPLOADING")]);

    clearCompleted(session, [row("c1", "job_c", "FAILED")]);

    expect(uploadPanelStore.getState().dismissedJobs).toEqual([]);
    expect(uploadPanelStore.getState().clearedPhotos).toEqual([]);
  });
});

describe("cancelAll", () => {
  /** A session whose own cancel resolves and whose server cancels answer as `answer` says per job. */
  function cancelling(answer: (jobId: string) => Promise<void>) {
    const cancel = vi.fn(async () => {});
    const cancelElsewhere = vi.fn((target: { jobId: string }) => answer(target.jobId));
    return { session: { cancel, cancelElsewhere } as unknown as UploadSession, cancel, cancelElsewhere };
  }
  const remote = [row("p1", "job_a", "UPLOADING"), row("p2", "job_a", "QUEUED"), row("p3", "job_b", "PROCESSING")];

  it("cancels this tab's files and each unfinished job elsewhere once", async () => {
    const { session, cancel, cancelElsewhere } = cancelling(async () => {});
    await cancelAll(session, [...remote, row("p4", "job_c", "COMPLETED")]);
    expect(cancel).toHaveBeenCalledOnce();
    expect(cancelElsewhere.mock.calls.map(([t]) => t.jobId).sort()).toEqual(["job_a", "job_b"]);
  });

  it("counts a job that finished meanwhile (409) as nothing left to cancel, not a failure", async () => {
    const { session } = cancelling(async (jobId) => {
      if (jobId === "job_b")
        throw new ApiError(409, "ILLEGAL_TRANSITION", "Every photo in this job has already finished.");
    });
    await expect(cancelAll(session, remote)).resolves.toBeUndefined();
  });

  it("fails when the server could not cancel a job for another reason", async () => {
    const { session } = cancelling(async (jobId) => {
      if (jobId === "job_b") throw new ApiError(500, "INTERNAL", "Something broke.");
    });
    await expect(cancelAll(session, remote)).rejects.toMatchObject({ status: 500 });
  });
});

describe("cancelFailureNotice", () => {
  it("says a photo that finished meanwhile (409) had already finished, as a notice", () => {
    const error = new ApiError(409, "ILLEGAL_TRANSITION", "The photo is COMPLETED and cannot become CANCELLED.");
    expect(cancelFailureNotice("beach.jpg", error)).toEqual({
      tone: "info",
      title: "beach.jpg had already finished",
      description: "The photo is COMPLETED and cannot become CANCELLED.",
    });
  });

  it("reports any other failure as an error", () => {
    expect(cancelFailureNotice("beach.jpg", new ApiError(503, "STORAGE_UNAVAILABLE", "Storage is down."))).toEqual({
      tone: "error",
      title: "Couldn't cancel beach.jpg",
      description: "Storage is down.",
    });
  });
});
