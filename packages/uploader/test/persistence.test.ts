import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  bytesSource,
  createUploadStore,
  type Hasher,
  inThreadHasher,
  openUploadStateDb,
  PERSIST_CHUNK_FILES,
  type PersistedFile,
  STATE_VERSION,
  StatePersistence,
  sha256OfSource,
  type UploaderOptions,
  type UploadSource,
  type UploadStateDb,
} from "../src/index.js";
import { isKept, toPersisted } from "../src/persisted-state.js";
import { fileState, StoreWriter } from "../testing/index.js";
import { gate, memoryBackend, uploaderOn } from "./support/memory-backend.js";

const MiB = 1024 * 1024;
let dbCounter = 0;
let dbName = "";
let db: UploadStateDb;

/** A file with content: the i-th byte is a function of the seed, so two seeds give different bytes. */
function photo(name: string, bytes: number, seed = 1, lastModified = 1_700_000_000_000): UploadSource {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * seed + seed) & 0xff;
  return { ...bytesSource(data, { name, type: "image/jpeg" }), lastModified };
}

function engine(backend: ReturnType<typeof memoryBackend>, options: Partial<UploaderOptions> = {}) {
  return uploaderOn(backend, { limits: { maxActiveFiles: 1, maxRequests: 1 }, ...options });
}

/** Each tab's stored files, its chunks joined in the order of their numbers. */
async function readTabs(): Promise<{ tabKey: string; files: PersistedFile[] }[]> {
  const raw = await openDB(dbName);
  const all = (await raw.getAll("tabs")) as { tabKey: string; tab?: string; chunk?: number; files: PersistedFile[] }[];
  raw.close();
  const tabs = new Map<string, { chunk: number; files: PersistedFile[] }[]>();
  for (const record of all) {
    const tab = record.tab ?? record.tabKey;
    tabs.set(tab, [...(tabs.get(tab) ?? []), { chunk: record.chunk ?? 0, files: record.files }]);
  }
  return [...tabs].map(([tabKey, chunks]) => ({
    tabKey,
    files: chunks.sort((a, b) => a.chunk - b.chunk).flatMap((c) => c.files),
  }));
}

/** A saved file as an earlier page left it: never registered, with its content hash. */
async function restoredFile(original = photo("same.jpg", 1000, 5)): Promise<PersistedFile> {
  return {
    id: "f_restored",
    name: original.name,
    type: "image/jpeg",
    size: original.size,
    lastModified: original.lastModified ?? 0,
    sha256: await sha256OfSource(original),
    status: "QUEUED",
    jobId: null,
    photoId: null,
    method: null,
    uploadId: null,
    partCount: 0,
    storedParts: [],
    bytesSent: 0,
    priority: 0,
    addedAt: 0,
  };
}

beforeEach(async () => {
  dbName = `state-test-${++dbCounter}`;
  db = (await openUploadStateDb(dbName))!;
});
afterEach(() => db.close());

describe("upload state across pages", () => {
  it("keeps unfinished files in IndexedDB, in batches, and drops finished ones", async () => {
    const backend = memoryBackend();
    const hold = gate();
    backend.hooks.put = ({ attempt }) => (backend.puts.length === 0 && attempt === 1 ? { hold: hold.promise } : {});
    const uploader = engine(backend);
    const save = vi.spyOn(db, "write");
    const persistence = new StatePersistence({
      store: uploader.store,
      db,
      userId: "user_a",
      tabKey: "tab1",
      delayMs: 5,
    });
    const ids = uploader.add([photo("a.jpg", 1000), photo("b.jpg", 2000, 2)]);
    await vi.waitFor(() => expect(uploader.store.getState().files[ids[0]!]?.status).toBe("UPLOADING"));
    await persistence.flush();
    const [tab] = await readTabs();
    expect(tab?.files.map((f) => [f.name, f.size, f.lastModified, f.jobId !== null, f.photoId !== null])).toEqual([
      ["a.jpg", 1000, 1_700_000_000_000, true, true],
      ["b.jpg", 2000, 1_700_000_000_000, true, true],
    ]);
    const writes = save.mock.calls.length;
    // Bytes moving are not worth a write; nothing else changed.
    uploader.store.setState((s) => ({ files: { ...s.files, [ids[0]!]: { ...s.files[ids[0]!]!, bytesSent: 500 } } }));
    await persistence.flush();
    expect(save.mock.calls.length).toBe(writes);

    hold.open();
    await uploader.whenIdle();
    await persistence.flush();
    expect(await readTabs()).toEqual([]); // every chunk emptied, so removed
    await persistence.stop();
    uploader.destroy();
  });

  it("writes a handle that arrives later (markDirty) and reports a failed write instead of throwing", async () => {
    const backend = memoryBackend();
    const hold = gate();
    backend.hooks.put = () => ({ hold: hold.promise });
    const uploader = engine(backend);
    const handles = new Map<string, unknown>();
    const errors: unknown[] = [];
    const persistence = new StatePersistence({
      store: uploader.store,
      db,
      userId: "user_a",
      tabKey: "tab1",
      delayMs: 5,
      handleOf: (id) => handles.get(id),
      onError: (error) => errors.push(error),
    });
    const [id] = uploader.add([photo("a.jpg", 1000)]);
    await vi.waitFor(() => expect(uploader.store.getState().files[id!]?.status).toBe("UPLOADING"));
    await persistence.flush();
    expect((await readTabs())[0]?.files[0]?.handle).toBeUndefined();
    const save = vi.spyOn(db, "write");
    await persistence.flush();
    expect(save).not.toHaveBeenCalled(); // nothing changed

    handles.set(id!, { kind: "file", name: "a.jpg" });
    persistence.markDirty();
    await persistence.flush();
    expect((await readTabs())[0]?.files[0]).toMatchObject({ id, handle: { kind: "file", name: "a.jpg" } });

    const refused = new Error("QuotaExceededError");
    save.mockRejectedValueOnce(refused);
    persistence.markDirty();
    await expect(persistence.flush()).resolves.toBeUndefined();
    expect(errors).toEqual([refused]);
    hold.open();
    await persistence.stop();
    uploader.destroy();
  });

  it("restores a reloaded tab's files and, once picked again, sends only the missing parts", async () => {
    const backend = memoryBackend();
    const big = photo("big.jpg", 40 * MiB, 3);
    const small = photo("small.jpg", 3000, 4);
    const never = gate();
    backend.hooks.put = ({ partNumber }) => (partNumber >= 3 ? { hold: never.promise } : {});
    const first = engine(backend);
    const persistence = new StatePersistence({ store: first.store, db, userId: "user_a", tabKey: "old", delayMs: 5 });
    const [bigId, smallId] = first.add([big, small]);
    // The page dies after two parts of the big file are stored.
    await vi.waitFor(() => expect(first.store.getState().files[bigId!]?.storedParts.length).toBe(2), {
      timeout: 20_000,
    });
    first.destroy();
    await persistence.stop();
    const putsBefore = backend.puts.length;
    backend.hooks.put = () => ({});

    const adopted = await db.adoptOrphans("user_a", "new", new Set());
    expect(adopted.map((f) => f.id)).toEqual([bigId, smallId]);
    expect(adopted[0]).toMatchObject({ method: "MULTIPART", storedParts: [1, 2] });
    expect(await db.adoptOrphans("user_a", "other", new Set(["new"]))).toEqual([]); // a live tab's files stay its own

    const second = engine(backend);
    expect(second.restore(adopted)).toEqual([bigId, smallId]);
    await second.whenIdle();
    expect(second.store.getState().files[bigId!]).toMatchObject({ needsFile: true, status: "UPLOADING" });

    const stranger = photo("new.jpg", 500, 9);
    const result = await second.reattach([small, big, stranger], { hash: (s) => sha256OfSource(s) });
    expect(result.resumed.sort()).toEqual([bigId, smallId].sort());
    expect(result.unmatched).toEqual([stranger]);
    await second.whenIdle();
    const files = second.store.getState().files;
    expect(files[bigId!]).toMatchObject({ status: "PROCESSING", needsFile: false });
    expect(files[smallId!]?.status).toBe("PROCESSING");
    // Only what storage lacked went out again: not the big file's first two parts.
    const bigPhoto = files[bigId!]!.photoId;
    const resent = backend.puts.slice(putsBefore).filter((p) => p.ok);
    const bigParts = resent.filter((p) => p.photoId === bigPhoto).map((p) => p.partNumber);
    expect(bigParts.sort()).toEqual([3, 4, 5]);
    expect(resent.filter((p) => p.photoId === files[smallId!]!.photoId)).toHaveLength(1);
    expect(backend.calls.filter((c) => c.name === "createJob")).toHaveLength(1);
    second.destroy();
  });

  it("keeps the sender lease of files it holds but does not send, and not of files it lacks", async () => {
    const backend = memoryBackend();
    const hold = gate();
    backend.hooks.put = () => ({ hold: hold.promise });
    const uploader = engine(backend, { holdIntervalMs: 5 });
    const [sending, queued, paused] = uploader.add([
      photo("a.jpg", 100),
      photo("b.jpg", 100, 2),
      photo("c.jpg", 100, 3),
    ]);
    const restored = { ...(await restoredFile()), id: "f_gone", photoId: "ph_restored000", jobId: "job_restored00" };
    uploader.restore([restored]);
    await vi.waitFor(() => expect(uploader.store.getState().files[sending!]?.status).toBe("UPLOADING"));
    uploader.pause(paused);
    const photoOf = (id: string) => uploader.store.getState().files[id]!.photoId;
    const held = () =>
      backend.calls
        .filter((c) => c.name === "holdPhotos")
        .map((c) => [...(c.args as { photoIds: string[] }).photoIds].sort());
    await vi.waitFor(() => expect(held().at(-1)).toEqual([photoOf(queued!), photoOf(paused!)].sort()));
    hold.open();
    uploader.destroy();
  });

  it("takes a file whose content hash differs for a new upload", async () => {
    const backend = memoryBackend();
    const original = photo("same.jpg", 1000, 5);
    const id = "f_restored";
    const saved = await restoredFile(original);
    const uploader = engine(backend);
    uploader.restore([saved]);
    const edited = photo("same.jpg", 1000, 6);
    const result = await uploader.reattach([edited], { hash: (s) => sha256OfSource(s) });
    expect(result).toEqual({ resumed: [], unmatched: [edited] });
    const again = await uploader.reattach([original], { hash: (s) => sha256OfSource(s) });
    expect(again.resumed).toEqual([id]);
    await uploader.whenIdle();
    expect(uploader.store.getState().files[id]?.status).toBe("PROCESSING");
    uploader.destroy();
  });

  it("a reload before the files were hashed: picked again, they are hashed (in batches) and their job carries each hash", async () => {
    const backend = memoryBackend();
    const originals = [1, 2, 3].map((seed) => photo(`p${seed}.jpg`, 1000 + seed, seed + 10));
    // As the earlier page saved them: never registered, no hash yet (it was still hashing).
    const saved = await Promise.all(
      originals.map(async (o, i) => ({ ...(await restoredFile(o)), id: `f_${i}`, sha256: null })),
    );
    const batches: number[] = [];
    const hasher: Hasher = Object.assign((s: UploadSource, signal: AbortSignal) => inThreadHasher(s, signal), {
      many: (sources: readonly UploadSource[], signal: AbortSignal) => {
        batches.push(sources.length);
        return Promise.all(sources.map((s) => inThreadHasher(s, signal)));
      },
    });
    const uploader = engine(backend, { hasher });
    uploader.restore(saved);
    const result = await uploader.reattach(originals);
    expect(result.resumed.sort()).toEqual(["f_0", "f_1", "f_2"]);
    await uploader.whenIdle();
    expect(batches).toEqual([2]); // the first file alone, then the other two in one batch
    const declared = backend.calls
      .filter((c) => c.name === "createJob")
      .flatMap((c) => (c.args as { files: { filename: string; sha256?: string }[] }).files);
    const expected = await Promise.all(originals.map((o) => sha256OfSource(o)));
    expect(Object.fromEntries(declared.map((f) => [f.filename, f.sha256]))).toEqual(
      Object.fromEntries(originals.map((o, i) => [o.name, expected[i]])),
    );
    for (const id of ["f_0", "f_1", "f_2"]) expect(uploader.store.getState().files[id]?.status).toBe("PROCESSING");
    uploader.destroy();
  });

  it("restores exactly what a tab kept after many small writes, chunk by chunk, and a record from before chunks", async () => {
    const store = createUploadStore();
    const writer = new StoreWriter(store, () => {});
    const persistence = new StatePersistence({ store, db, userId: "user_a", tabKey: "old", delayMs: 1e9 });
    const count = PERSIST_CHUNK_FILES * 2 + 50;
    for (let i = 0; i < count; i++) writer.addFile(fileState(`f${i}`, { name: `p${i}.jpg` }));
    writer.flush();
    await persistence.flush();
    const write = vi.spyOn(db, "write");
    // Registered a job's worth at a time, sent, some stored parts, some done.
    for (let i = 0; i < count; i += 10) {
      for (let k = i; k < i + 10; k++)
        writer.patchFile(`f${k}`, {
          jobId: "job_00000001",
          photoId: `ph_${String(k).padStart(8, "0")}`,
          method: "PUT",
        });
      if (i % 30 === 0) writer.patchFile(`f${i}`, { status: "UPLOADING", uploadId: `up_${i}`, storedParts: [1, 2] });
      if (i % 20 === 0) writer.patchFile(`f${i + 1}`, { status: "PROCESSING" });
      writer.flush();
      await persistence.flush();
    }
    writer.addFile(fileState("late"));
    writer.flush();
    await persistence.stop();
    // No write was the whole record again.
    expect(write.mock.calls.every(([change]) => !change.replace && change.chunks.size <= 2)).toBe(true);
    const { files, order } = store.getState();
    const kept = order.flatMap((id) => (isKept(files[id]!) ? [toPersisted(files[id]!)] : []));
    expect(kept.length).toBeGreaterThan(PERSIST_CHUNK_FILES * 2);

    // A record from before chunks, of another gone tab: adopted after this tab's files.
    const legacy = { ...toPersisted(fileState("legacy")), name: "legacy.jpg" };
    const raw = await openDB(dbName);
    await raw.put("tabs", { tabKey: "older", userId: "user_a", version: STATE_VERSION, savedAt: 0, files: [legacy] });
    raw.close();

    const warn = vi.spyOn(console, "warn");
    const adopted = await db.adoptOrphans("user_a", "new", new Set());
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(adopted).toEqual([...kept, legacy]);
    expect(await readTabs()).toEqual([{ tabKey: "new", files: [...kept, legacy] }]);
    expect(await db.adoptOrphans("user_a", "other", new Set(["new"]))).toEqual([]);
    await db.remove("new");
    expect(await readTabs()).toEqual([]);
  });

  it("ignores corrupt and outdated records with a note, and never throws", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const raw = await openDB(dbName);
    await raw.put("tabs", { tabKey: "corrupt", userId: "user_a", version: STATE_VERSION, files: [{ id: 3 }] });
    await raw.put("tabs", { tabKey: "old", userId: "user_a", version: 0, savedAt: 0, files: [] });
    await raw.put("tabs", { tabKey: "junk" });
    await raw.put("tabs", { tabKey: "theirs", userId: "user_b", version: STATE_VERSION, savedAt: 0, files: [] });
    raw.close();
    await expect(db.adoptOrphans("user_a", "mine", new Set())).resolves.toEqual([]);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls.map((c) => String(c[0]))).toContain(
      `Upload state from an earlier page ignored (version 0, expected ${STATE_VERSION}).`,
    );
    // Dropped, so they are not noted again; another user's record is left alone.
    expect((await readTabs()).map((t) => t.tabKey)).toEqual(["theirs"]);
    warn.mockRestore();
  });

  it("gives up, rather than waiting, when a tab of an older version holds the database it must upgrade", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const name = `${dbName}-held`;
    const older = await openDB(name, 1); // another tab's connection: it never closes for an upgrade
    await expect(openUploadStateDb(name, 2)).resolves.toBeNull();
    expect(warn).toHaveBeenCalledOnce();
    // Once that tab goes, the upgrade the first attempt asked for happens and its late connection is
    // closed at once: a later page opens the database.
    older.close();
    await expect.poll(async () => (await openUploadStateDb(name, 2)) !== null).toBe(true);
    warn.mockRestore();
  });

  it("closes its connection when a newer version of the app asks to upgrade, and saves nothing more", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const name = `${dbName}-yield`;
    const ours = (await openUploadStateDb(name, 1))!;
    const write = { tab: "t1", userId: "u1", savedAt: 1, chunks: new Map([[0, []]]), replace: true };
    await ours.write(write);
    // The newer tab's upgrade is not blocked: this page's connection makes way for it.
    const newer = await openDB(name, 2);
    expect(warn).toHaveBeenCalledOnce();
    await expect(ours.write(write)).resolves.toBeUndefined();
    await expect(ours.adoptOrphans("u1", "t1", new Set())).resolves.toEqual([]);
    ours.close();
    newer.close();
    warn.mockRestore();
  });

  it("works without IndexedDB and with a database from a newer version of the app", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const newer = await openDB(`${dbName}-newer`, 99);
    newer.close();
    await expect(openUploadStateDb(`${dbName}-newer`)).resolves.toBeNull();
    expect(warn).toHaveBeenCalledOnce();
    const saved = globalThis.indexedDB;
    // @ts-expect-error: a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      await expect(openUploadStateDb(`${dbName}-none`)).resolves.toBeNull();
    } finally {
      globalThis.indexedDB = saved;
      warn.mockRestore();
    }
  });
});
