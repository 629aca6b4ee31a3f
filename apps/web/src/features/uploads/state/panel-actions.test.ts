import type { FileState, UploadState } from "@rapidphoto/uploader";
import { fileState, uploadState } from "@rapidphoto/uploader/testing";
import { describe, expect, it, vi } from "vitest";
import { createStore } from "zustand/vanilla";
import { clearCompleted } from "./panel-actions";
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
