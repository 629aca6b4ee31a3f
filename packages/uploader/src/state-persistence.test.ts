import { describe, expect, it, vi } from "vitest";
import { fileState } from "../testing/index.js";
import { isKept, PERSIST_CHUNK_FILES, type PersistedFile, toPersisted } from "./persisted-state.js";
import type { TabWrite, UploadStateDb } from "./state-db.js";
import { StatePersistence } from "./state-persistence.js";
import { createUploadStore, type FileState, StoreWriter } from "./store.js";

/** An IndexedDB stand-in that applies each write to its chunks as state-db.ts does, and keeps every write. */
function recordingDb() {
  const writes: TabWrite[] = [];
  const chunks = new Map<number, PersistedFile[]>();
  const db: UploadStateDb = {
    async write(change) {
      writes.push(structuredClone(change));
      if (change.replace) chunks.clear();
      for (const [chunk, files] of change.chunks) {
        if (files.length === 0) chunks.delete(chunk);
        else chunks.set(chunk, structuredClone([...files]));
      }
    },
    async remove() {},
    async adoptOrphans() {
      return [];
    },
    close() {},
  };
  /** The tab's record as stored: its chunks' files in the order of the chunks' numbers. */
  const stored = () => [...chunks].sort(([a], [b]) => a - b).flatMap(([, files]) => files);
  return { db, writes, chunks, stored };
}

/** What the record should hold for the store as it is: every kept file, in the order added. */
function expected(files: Record<string, FileState>, order: readonly string[]) {
  return order.flatMap((id) => (files[id] && isKept(files[id]) ? [toPersisted(files[id])] : []));
}

describe("StatePersistence", () => {
  it("keeps the record equal to the kept files while it reads only what each flush changed", async () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const { db, writes, stored } = recordingDb();
    const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 1e9 });
    for (const id of ["a", "b", "c", "d"]) writer.addFile(fileState(id, { jobId: "job_1" }));
    writer.flush();
    await persistence.flush();
    const check = () => {
      const { files, order } = store.getState();
      expect(stored()).toEqual(expected(files, order));
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
      writer.addFile(fileState(`new-${writes.length}`));
      writer.flush();
      await persistence.flush();
      const { files, order } = store.getState();
      expect(new Set(stored().map((f) => f.id))).toEqual(new Set(expected(files, order).map((f) => f.id)));
      expect(stored().find((f) => f.id === id)).toEqual(
        isKept(files[id] as FileState) ? toPersisted(files[id] as FileState) : undefined,
      );
    }
    // Bytes alone are not worth a write.
    const count = writes.length;
    writer.patchProgress("b", { bytesSent: 60 });
    writer.flush();
    await persistence.flush();
    expect(writes.length).toBe(count);
    // A store set from outside the writer: every file is read again.
    store.setState({ files: { ...store.getState().files, d: fileState("d", { status: "COMPLETED" }) } });
    await persistence.flush();
    expect(stored().some((f) => f.id === "d")).toBe(false);
    await persistence.stop();
  });

  it("writes only the chunks whose files changed, and the record stays exactly the kept files in order", async () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const { db, writes, chunks, stored } = recordingDb();
    const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 1e9 });
    const count = PERSIST_CHUNK_FILES * 4 + 37;
    const ids = Array.from({ length: count }, (_, i) => `f${i}`);
    for (const id of ids) writer.addFile(fileState(id));
    writer.flush();
    await persistence.flush();
    expect(writes.at(-1)).toMatchObject({ replace: true });
    expect(chunks.size).toBe(5);
    const { files, order } = store.getState();
    expect(stored()).toEqual(expected(files, order));

    // A few files move on: only their chunks are written, and nothing else is touched.
    writer.patchFile("f3", { status: "UPLOADING", jobId: "job_1", photoId: "ph_3" });
    writer.patchFile(`f${PERSIST_CHUNK_FILES + 1}`, { storedParts: [1] });
    writer.flush();
    await persistence.flush();
    expect(writes.at(-1)?.replace).toBe(false);
    expect([...(writes.at(-1)?.chunks.keys() ?? [])].sort()).toEqual([0, 1]);
    expect(writes.at(-1)?.chunks.get(0)).toHaveLength(PERSIST_CHUNK_FILES);

    // A random run of changes (statuses only move forward here, so no file comes back to the record
    // and its order stays the order added), new files and removed ones: after every write the record
    // is exactly what a whole write would hold.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const statuses = ["QUEUED", "UPLOADING", "PROCESSING", "COMPLETED", "FAILED"] as const;
    for (let round = 0; round < 30; round++) {
      const current = store.getState().order;
      for (let k = 0; k < 1 + random(8); k++) {
        const id = current[random(current.length)] as string;
        writer.patchFile(id, { status: statuses[random(statuses.length)]!, storedParts: [random(3) + 1] });
      }
      if (round % 5 === 0) writer.addFile(fileState(`n${round}`));
      if (round % 7 === 0) writer.removeFiles([current[random(current.length)] as string]);
      writer.flush();
      await persistence.flush();
      const state = store.getState();
      expect(stored()).toEqual(expected(state.files, state.order));
      expect([...chunks.values()].every((files) => files.length > 0 && files.length <= PERSIST_CHUNK_FILES)).toBe(true);
    }
    expect(writes.slice(2).every((w) => !w.replace && w.chunks.size < 5)).toBe(true);
    await persistence.stop();
  });

  it("waits the same before a write however many files the record holds, and writes only what changed", async () => {
    // Fake timers: the waits are read off the clock the persistence schedules on, not by timing.
    vi.useFakeTimers();
    try {
      const store = createUploadStore();
      const writer = new StoreWriter(store, () => {});
      const { db, writes } = recordingDb();
      const persistence = new StatePersistence({ store, db, userId: "u", tabKey: "t", delayMs: 500 });
      for (let i = 0; i < 10_000; i++) writer.addFile(fileState(`f${i}`));
      writer.flush();
      await vi.advanceTimersByTimeAsync(499);
      expect(writes).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes).toHaveLength(1);
      expect([...(writes[0]?.chunks.values() ?? [])].flat()).toHaveLength(10_000);
      // With 10,000 files kept, a change still waits the base delay, and its write is one chunk.
      writer.patchFile("f1", { status: "UPLOADING" });
      writer.flush();
      await vi.advanceTimersByTimeAsync(499);
      expect(writes).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes).toHaveLength(2);
      expect([...(writes[1]?.chunks.keys() ?? [])]).toEqual([0]);
      await persistence.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("writes a file's chunk again when its handle arrives, and the whole record after a failed write", async () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const { db, writes, stored } = recordingDb();
    const handles = new Map<string, unknown>();
    const errors: unknown[] = [];
    const persistence = new StatePersistence({
      store,
      db,
      userId: "u",
      tabKey: "t",
      delayMs: 1e9,
      handleOf: (id) => handles.get(id),
      onError: (error) => errors.push(error),
    });
    for (let i = 0; i < PERSIST_CHUNK_FILES * 2; i++) writer.addFile(fileState(`f${i}`));
    writer.flush();
    await persistence.flush();
    handles.set(`f${PERSIST_CHUNK_FILES}`, { kind: "file" });
    persistence.markDirty(`f${PERSIST_CHUNK_FILES}`);
    await persistence.flush();
    expect([...(writes.at(-1)?.chunks.keys() ?? [])]).toEqual([1]);
    expect(stored()[PERSIST_CHUNK_FILES]).toMatchObject({ id: `f${PERSIST_CHUNK_FILES}`, handle: { kind: "file" } });

    const refused = new Error("QuotaExceededError");
    const write = db.write;
    db.write = async () => {
      throw refused;
    };
    writer.patchFile("f0", { status: "UPLOADING" });
    writer.flush();
    await expect(persistence.flush()).resolves.toBeUndefined();
    expect(errors).toEqual([refused]);
    db.write = write;
    await persistence.flush();
    expect(writes.at(-1)?.replace).toBe(true);
    const { files, order } = store.getState();
    expect(stored().map((f) => f.id)).toEqual(expected(files, order).map((f) => f.id));
    await persistence.stop();
  });
});
