import { emptyCounts, type PhotoStatus } from "@rapidphoto/protocol";
import { createUploadStore, type UploadState } from "@rapidphoto/uploader";
import { fileState, StoreWriter } from "@rapidphoto/uploader/testing";
import { describe, expect, it } from "vitest";
import { activeLocalJobsKey, isSending, localPanel, ownJobsKey } from "./local-panel";

const STATUSES: PhotoStatus[] = ["QUEUED", "UPLOADING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"];

/** A copy the store writer never made: the panel can only work it out from every file. */
const unlogged = (state: UploadState): UploadState => ({ ...state, files: { ...state.files } });

/** A small deterministic random sequence (no Math.random: a failure must replay). */
function randoms(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x >>> 16) % n; // the low bits of this generator repeat with a short period
  };
}

describe("the panel and the live keys, followed flush by flush", () => {
  it.each([3, 6, 40])("equal what a walk over every file gives, whatever the flushes change (%i files)", (count) => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const random = randoms(7);
    const ids = Array.from({ length: count }, (_, i) => `f${i}`);
    for (const id of ids)
      writer.addFile(fileState(id, { jobId: `job_${random(3)}`, batchId: `b_${random(2)}`, bytesTotal: 100 }));
    writer.flush();
    // In jobs of their own too: the batch statuses follow the jobs' counts.
    const counts = emptyCounts();
    writer.setJob({ ...counts, jobId: "job_0", status: "COMPLETED", seq: 1, completedCount: 1, totalCount: 1 });
    writer.setJob({ ...counts, jobId: "job_1", status: "FAILED", seq: 1, failedCount: 2, totalCount: 2 });
    writer.setJob({ ...counts, jobId: "job_2", status: "CANCELLED", seq: 1, cancelledCount: 1, totalCount: 1 });
    const hidden = new Set(["f3"]);
    const states: UploadState[] = [];
    const followed: unknown[] = [];
    for (let flush = 0; flush < 600; flush++) {
      for (let k = random(4); k >= 0; k--) {
        const id = ids[random(ids.length)] as string;
        const patch = [
          { bytesSent: random(101) },
          { status: STATUSES[random(STATUSES.length)] },
          { paused: random(2) === 0 },
          { jobId: random(4) === 0 ? null : `job_${random(4)}` },
          { duplicateOf: random(3) === 0 ? { photoId: "ph_x", status: "COMPLETED" as const, inTrash: false } : null },
          { needsFile: random(5) === 0 },
        ][random(6)];
        writer.patchFile(id, patch ?? {}, { allowBackward: true });
      }
      if (random(10) === 0) writer.setRoot({ queue: ids.filter(() => random(3) === 0) });
      writer.flush();
      const state = store.getState();
      states.push(state);
      followed.push(view(state, hidden));
    }
    // Worked out again from copies the log knows nothing of: every file walked.
    const walked = states.map((state) => view(unlogged(state), hidden));
    expect(followed).toEqual(walked);
  });
});

function view(state: UploadState, hidden: ReadonlySet<string>) {
  const panel = localPanel(state, hidden);
  return {
    rows: panel.rows,
    counts: panel.counts,
    batches: panel.batches,
    totals: panel.totals,
    own: ownJobsKey(state),
    active: activeLocalJobsKey(state),
    sending: isSending(state),
  };
}
