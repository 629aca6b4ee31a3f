import { describe, expect, it, vi } from "vitest";
import { fileState } from "../testing/index.js";
import { isKept, type TabRecord, toPersisted } from "./persisted-state.js";
import type { UploadStateDb } from "./state-db.js";
import { PERSIST_DELAY_MS_PER_FILE, StatePersistence } from "./state-persistence.js";
import { createUploadStore, type FileState, StoreWriter } from "./store.js";

function recordingDb() {
  const saved: TabRecord[] = [];
  const db: UploadStateDb = {
    async save(record) {
      saved.push(structuredClone(record));
    },
    async remove() {},
    async adoptOrphans() {
      return [];
    },
    close() {},
  };
  return { db, saved };
}

/** What the record should hold for the store as it is: every kept file, in the order added. */
function expected(files: Record<string, FileState>, order: readonly string[]) {
  return order.flatMap((id) => (files[id] && isKept(files[id]) ? [toPersisted(files[id])] : []));
}

describe("StatePersistence", () => {
  it("keeps the record equal to the kept files while it reads only what each flush changed", async () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const { db, saved } = recordingDb();
    const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 1e9 });
    for (const id of ["a", "b", "c", "d"]) writer.addFile(fileState(id, { jobId: "job_1" }));
    writer.flush();
    await persistence.flush();
    const check = () => {
      const { files, order } = store.getState();
      expect(saved.at(-1)?.files).toEqual(expected(files, order));
    };
    check();
    const steps: [string, Partial<FileState>][] = [
      ["a", { status: "UPLOADING" }],
      ["a", { status: "PROCESSING" }], // stored: leaves the record
      ["b", { storedParts: [1] }],
      ["c", { status: "FAILED" }],
      ["c", { status: "QUEUED" }], // a retry: back in the record
    ];
    for (const [id, patch] of steps) {
      writer.patchFile(id, patch, { allowBackward: true });
      writer.flush();
      writer.addFile(fileState(`new-${saved.length}`));
      writer.flush();
      await persistence.flush();
      const { files, order } = store.getState();
      expect(new Set(saved.at(-1)?.files.map((f) => f.id))).toEqual(new Set(expected(files, order).map((f) => f.id)));
      expect(saved.at(-1)?.files.find((f) => f.id === id)).toEqual(
        isKept(files[id] as FileState) ? toPersisted(files[id] as FileState) : undefined,
      );
    }
    // Bytes alone are not worth a write.
    const writes = saved.length;
    writer.patchProgress("b", { bytesSent: 60 });
    writer.flush();
    await persistence.flush();
    expect(saved.length).toBe(writes);
    // A store set from outside the writer: every file is read again.
    store.setState({ files: { ...store.getState().files, d: fileState("d", { status: "COMPLETED" }) } });
    await persistence.flush();
    expect(saved.at(-1)?.files.some((f) => f.id === "d")).toBe(false);
    await persistence.stop();
  });

  it("waits longer before a write the more files the record holds", async () => {
    // Fake timers: the waits are read off the clock the persistence schedules on, not by timing.
    vi.useFakeTimers();
    try {
      const store = createUploadStore();
      const writer = new StoreWriter(store, () => {});
      const { db, saved } = recordingDb();
      const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 500 });
      for (let i = 0; i < 10_000; i++) writer.addFile(fileState(`f${i}`));
      writer.flush();
      // The first write, with nothing kept yet, waits the base delay.
      await vi.advanceTimersByTimeAsync(499);
      expect(saved).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(saved).toHaveLength(1);
      expect(saved[0]?.files).toHaveLength(10_000);
      // With 10,000 files kept, the next change waits 0.25 ms per file.
      writer.patchFile("f1", { status: "UPLOADING" });
      writer.flush();
      const wait = 10_000 * PERSIST_DELAY_MS_PER_FILE;
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(saved).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(saved).toHaveLength(2);
      await persistence.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
