import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesSource, computeTotals, type Hasher, inThreadHasher, type UploaderOptions } from "../src/index.js";
import { gate, memoryBackend, uploaderOn } from "./support/memory-backend.js";

/** Files with distinct bytes, so each has its own hash. */
const photo = (name: string, seed: number, bytes = 1000) =>
  bytesSource(
    new Uint8Array(bytes).map((_, i) => (i * 31 + seed) % 256),
    { name, type: "image/jpeg" },
  );
const sha = (source: ReturnType<typeof photo>) =>
  createHash("sha256")
    .update(source.slice(0, source.size) as Uint8Array)
    .digest("hex");
const tick = () => new Promise<void>((r) => setImmediate(r));

function setup(options: Partial<UploaderOptions> = {}) {
  const backend = memoryBackend();
  const uploader = uploaderOn(backend, { hasher: inThreadHasher, ...options });
  const files = () => uploader.store.getState().files;
  const jobs = () =>
    backend.calls
      .filter((c) => c.name === "createJob")
      .map((c) => c.args as { files: { sha256?: string; filename: string }[] });
  return { backend, uploader, files, jobs };
}

describe("engine: content-hash dedupe", () => {
  it("sends each file's sha256 with job creation and keeps it in the store", async () => {
    const { uploader, files, jobs } = setup();
    const a = photo("a.jpg", 1);
    const [id] = uploader.add([a]);
    await uploader.whenIdle();
    expect(jobs()[0]!.files[0]!.sha256).toBe(sha(a));
    expect(files()[id!]).toMatchObject({ sha256: sha(a), status: "PROCESSING", duplicateOf: null });
  });

  it("sends no byte of a file already in the library and counts it apart", async () => {
    const { backend, uploader, files } = setup();
    const known = photo("known.jpg", 1);
    const trashed = photo("trashed.jpg", 2);
    const fresh = photo("fresh.jpg", 3);
    backend.library.set(sha(known), { photoId: "ph_known", inTrash: false });
    backend.library.set(sha(trashed), { photoId: "ph_trashed", inTrash: true });
    const [k, t, f] = uploader.add([known, trashed, fresh]);
    await uploader.whenIdle();
    expect(files()[k!]).toMatchObject({
      status: "COMPLETED",
      jobId: null,
      photoId: null,
      bytesSent: 0,
      duplicateOf: { photoId: "ph_known", inTrash: false },
    });
    expect(files()[t!]!.duplicateOf).toMatchObject({ photoId: "ph_trashed", inTrash: true });
    expect(files()[f!]!.status).toBe("PROCESSING");
    const sentFor = new Set(backend.puts.map((p) => backend.photos.get(p.photoId)!.filename));
    expect([...sentFor]).toEqual(["fresh.jpg"]);
    const totals = computeTotals(Object.values(files()));
    expect(totals).toMatchObject({ duplicateCount: 2, totalCount: 1, completedCount: 0, failedCount: 0 });
    expect(totals.bytesTotal).toBe(fresh.size);
  });

  it("hashes in batches with a hasher that takes them: every file's hash still reaches the server, duplicates are not sent", async () => {
    const batches: number[] = [];
    const hasher: Hasher = Object.assign(
      (source: Parameters<Hasher>[0], signal: AbortSignal) => inThreadHasher(source, signal),
      {
        many: async (sources: readonly Parameters<Hasher>[0][], signal: AbortSignal) => {
          batches.push(sources.length);
          // The third file of a batch cannot be read: it goes without its hash, the others with theirs.
          return Promise.all(
            sources.map((s) => (s.name === "c.jpg" ? { error: "NotReadableError" } : inThreadHasher(s, signal))),
          );
        },
      },
    );
    const { backend, uploader, files, jobs } = setup({ hasher });
    const sources = ["a", "b", "c", "d", "e", "f", "g"].map((n, i) => photo(`${n}.jpg`, i + 1));
    backend.library.set(sha(sources[4]!), { photoId: "ph_e", inTrash: false });
    const ids = uploader.add(sources);
    await uploader.whenIdle();
    expect(batches.some((n) => n > 1)).toBe(true);
    const declared = new Map(jobs().flatMap((j) => j.files.map((f) => [f.filename, f.sha256] as const)));
    for (const [i, s] of sources.entries()) {
      if (s.name === "e.jpg") expect(files()[ids[i]!]!.duplicateOf).toMatchObject({ photoId: "ph_e" });
      else if (s.name === "c.jpg") expect(declared.get("c.jpg")).toBeUndefined();
      else expect(declared.get(s.name)).toBe(sha(s));
    }
    const sentFor = new Set(backend.puts.map((p) => backend.photos.get(p.photoId)!.filename));
    expect(sentFor.has("e.jpg")).toBe(false);
    expect(sentFor.size).toBe(6);
  });

  it("creates no job when every file is a duplicate, and cancel or retry leave such files alone", async () => {
    const { backend, uploader, files } = setup();
    const a = photo("a.jpg", 1);
    backend.library.set(sha(a), { photoId: "ph_a", inTrash: false });
    const [id] = uploader.add([a]);
    await uploader.whenIdle();
    expect(files()[id!]).toMatchObject({ status: "COMPLETED", duplicateOf: { photoId: "ph_a" } });
    await uploader.cancel();
    uploader.retry();
    await uploader.whenIdle();
    expect(files()[id!]!.status).toBe("COMPLETED");
    expect(uploader.store.getState().jobs).toEqual({});
    expect(backend.puts).toEqual([]);
  });

  it("registers the first file as soon as it is hashed and hashes the rest while it is sent", async () => {
    // The third hash waits until the first file's bytes are out: without overlap this would hang.
    const firstPut = gate();
    let hashed = 0;
    const hasher: Hasher = async (source, signal) => {
      if (++hashed === 3) await firstPut.promise;
      return inThreadHasher(source, signal);
    };
    const { backend, uploader: second, jobs } = setup({ limits: { maxActiveFiles: 1, maxRequests: 1 }, hasher });
    backend.hooks.put = () => {
      firstPut.open();
      return {};
    };
    const sources = [1, 2, 3, 4].map((n) => photo(`${n}.jpg`, n));
    const ids = second.add(sources);
    await second.whenIdle();
    expect(ids.every((id) => second.store.getState().files[id]!.status === "PROCESSING")).toBe(true);
    const created = jobs().map((j) => j.files.map((f) => f.filename));
    expect(created[0]).toEqual(["1.jpg"]);
    expect(created.flat().sort()).toEqual(["1.jpg", "2.jpg", "3.jpg", "4.jpg"]);
    expect(
      jobs()
        .flatMap((j) => j.files)
        .every((f) => typeof f.sha256 === "string"),
    ).toBe(true);
  });

  it("hashes higher-priority files first", async () => {
    const order: string[] = [];
    const held = gate();
    const { uploader: hashing } = setup({
      hasher: async (source, signal) => {
        order.push(source.name);
        if (order.length === 1) await held.promise;
        return inThreadHasher(source, signal);
      },
    });
    hashing.add([photo("a.jpg", 1), photo("b.jpg", 2)]);
    hashing.add([photo("urgent.jpg", 3)], { priority: 5 });
    held.open();
    await hashing.whenIdle();
    expect(order).toEqual(["a.jpg", "urgent.jpg", "b.jpg"]);
  });

  it("follows the store's priority: a change made while files wait for their hash, and an add before start()", async () => {
    const order: string[] = [];
    const held = gate();
    const { uploader } = setup({
      hasher: async (source, signal) => {
        order.push(source.name);
        if (order.length === 1) await held.promise;
        return inThreadHasher(source, signal);
      },
    });
    const [, , c] = uploader.add([photo("a.jpg", 1), photo("b.jpg", 2), photo("c.jpg", 3)]);
    uploader.setPriority(c!, 5); // while a.jpg is being hashed
    held.open();
    await uploader.whenIdle();
    expect(order).toEqual(["a.jpg", "c.jpg", "b.jpg"]);

    const names: string[] = [];
    const { uploader: later } = setup({
      autoStart: false,
      hasher: (source, signal) => {
        names.push(source.name);
        return inThreadHasher(source, signal);
      },
    });
    later.add([photo("d.jpg", 4)]);
    later.add([photo("urgent.jpg", 5)], { priority: 5 });
    later.start();
    await later.whenIdle();
    expect(names).toEqual(["urgent.jpg", "d.jpg"]);
  });

  it("registers a file whose hash cannot be read without one, and skips files cancelled while hashing", async () => {
    const held = gate();
    const { backend, uploader } = setup({
      hasher: async (source) => {
        if (source.name === "unreadable.jpg") throw new Error("NotReadableError");
        await held.promise;
        return "0".repeat(64);
      },
    });
    const [u, c] = uploader.add([photo("unreadable.jpg", 1), photo("cancelled.jpg", 2)]);
    while (!backend.calls.some((x) => x.name === "createJob")) await tick();
    await uploader.cancel(c);
    held.open();
    await uploader.whenIdle();
    const registered = backend.calls
      .filter((x) => x.name === "createJob")
      .flatMap((x) => (x.args as { files: { filename: string; sha256?: string }[] }).files);
    expect(registered).toEqual([expect.objectContaining({ filename: "unreadable.jpg" })]);
    expect(registered[0]!.sha256).toBeUndefined();
    const state = uploader.store.getState().files;
    expect(state[u!]!.status).toBe("PROCESSING");
    expect(state[c!]!.status).toBe("CANCELLED");
  });
});

describe("engine: hashing only files that could be duplicates (hashOnlyPossibleDuplicates)", () => {
  /** The memory backend with the server's answer on sizes: the sizes of `librarySizes`. */
  function sizesSetup(on: boolean | undefined, librarySizes: number[]) {
    const backend = memoryBackend();
    const asked: number[][] = [];
    const hashed: string[] = [];
    const hasher: Hasher = (source, signal) => {
      hashed.push(source.name);
      return inThreadHasher(source, signal);
    };
    const api = {
      ...backend.api,
      duplicateSizes: async (bytes: number[]) => {
        asked.push(bytes);
        return bytes.filter((b) => librarySizes.includes(b));
      },
    };
    const uploader = uploaderOn(backend, {
      api,
      hasher,
      ...(on === undefined ? {} : { hashOnlyPossibleDuplicates: on }),
    });
    const jobs = () =>
      backend.calls
        .filter((c) => c.name === "createJob")
        .flatMap((c) => (c.args as { files: { sha256?: string; filename: string }[] }).files);
    return { backend, uploader, asked, hashed, jobs };
  }

  it("is on by default when the api can ask", async () => {
    const { uploader, asked, hashed } = sizesSetup(undefined, []);
    uploader.add([photo("a.jpg", 1, 1000), photo("b.jpg", 2, 2000)]);
    await uploader.whenIdle();
    expect(asked).toEqual([[1000, 2000]]);
    // Only the first file, hashed while the question was out.
    expect(hashed).toEqual(["a.jpg"]);
  });

  it("can be turned off: every file hashed, the server never asked", async () => {
    const { uploader, asked, hashed, jobs } = sizesSetup(false, []);
    uploader.add([photo("a.jpg", 1, 1000), photo("b.jpg", 2, 2000)]);
    await uploader.whenIdle();
    expect(asked).toEqual([]);
    expect(hashed).toEqual(["a.jpg", "b.jpg"]);
    expect(jobs().every((f) => f.sha256)).toBe(true);
  });

  it("sends files of sizes no photo has unhashed, and still answers a file already in the library as a duplicate", async () => {
    const { backend, uploader, asked, hashed, jobs } = sizesSetup(true, [3000]);
    const known = photo("known.jpg", 3, 3000);
    backend.library.set(sha(known), { photoId: "ph_known", inTrash: false });
    const ids = uploader.add([photo("a.jpg", 1, 1000), photo("b.jpg", 2, 2000), known, photo("d.jpg", 4, 4000)]);
    await uploader.whenIdle();
    expect(asked).toEqual([[1000, 2000, 3000, 4000]]);
    // The first file is hashed while the question is out; then only the one whose size the library has.
    expect(hashed).toEqual(["a.jpg", "known.jpg"]);
    // Files that need no hash are registered at once; the first one too, as the answer cleared its size
    // before its hash was in (the digest runs on the thread pool, the answer in a microtask).
    expect(
      jobs()
        .map((f) => `${f.filename}${f.sha256 ? " with its hash" : ""}`)
        .sort(),
    ).toEqual(["a.jpg", "b.jpg", "d.jpg", "known.jpg with its hash"]);
    const files = uploader.store.getState().files;
    expect(files[ids[2]!]!.duplicateOf).toMatchObject({ photoId: "ph_known" });
    expect(files[ids[1]!]!.status).toBe("PROCESSING");
  });
});
