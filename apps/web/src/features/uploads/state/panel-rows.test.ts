import { jobView, jobViewPhoto } from "@rapidphoto/protocol/testing";
import { describe, expect, it } from "vitest";
import { remoteRows } from "./panel-rows";

describe("panel rows", () => {
  it("lists other tabs' photos once, never one this tab is sending itself", () => {
    const view = jobView({
      jobId: "job_x",
      photos: [
        jobViewPhoto({ photoId: "ph_1", clientId: "f_other", status: "UPLOADING" }),
        jobViewPhoto({ photoId: "ph_2", clientId: "a", status: "UPLOADING" }),
        jobViewPhoto({ photoId: "ph_3", clientId: null, status: "FAILED" }),
        jobViewPhoto({ photoId: "ph_4", clientId: "f_gone", status: "QUEUED", waitingForFile: true }),
      ],
    });
    expect(remoteRows([view], new Set(["a"]), new Set(["r:ph_3"]))).toEqual([
      { key: "r:ph_1", jobId: "job_x", photoId: "ph_1", status: "UPLOADING", waitingForFile: false },
      { key: "r:ph_4", jobId: "job_x", photoId: "ph_4", status: "QUEUED", waitingForFile: true },
    ]);
  });
});
