import { inThreadHasher } from "@rapidphoto/uploader";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { HashReply, HashRequest } from "./hash-messages";
import { createWorkerHasher } from "./worker-hasher";

/** A stand-in for the hashing worker: records what the page posts, answers when the test says. */
class FakeWorker {
  static made: FakeWorker[] = [];
  onmessage: ((event: MessageEvent<HashReply>) => void) | null = null;
  onerror: (() => void) | null = null;
  posted: HashRequest[] = [];
  terminated = false;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(message: HashRequest) {
    this.posted.push(message);
  }
  terminate() {
    this.terminated = true;
  }
  reply(data: HashReply) {
    this.onmessage?.({ data } as MessageEvent<HashReply>);
  }
}

const blob = (text: string) => new Blob([text]);
const expected = (b: Blob) => inThreadHasher(b as unknown as File, new AbortController().signal);

afterEach(() => {
  vi.unstubAllGlobals();
  FakeWorker.made = [];
});

describe("createWorkerHasher", () => {
  it("hands a Blob to one worker and resolves with its reply", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const signal = new AbortController().signal;
    const first = hasher(blob("one") as unknown as File, signal);
    const second = hasher(blob("two") as unknown as File, signal);
    expect(FakeWorker.made).toHaveLength(1);
    const [a, b] = FakeWorker.made[0]!.posted as Extract<HashRequest, { type: "hash" }>[];
    expect(a!.type).toBe("hash");
    FakeWorker.made[0]!.reply({ id: b!.id, sha256: "bb", ms: 1 });
    FakeWorker.made[0]!.reply({ id: a!.id, sha256: "aa", ms: 1 });
    await expect(first).resolves.toBe("aa");
    await expect(second).resolves.toBe("bb");
  });

  it("rejects with the worker's error for that file only", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const failing = hasher(blob("bad") as unknown as File, new AbortController().signal);
    const [request] = FakeWorker.made[0]!.posted;
    FakeWorker.made[0]!.reply({ id: request!.id, error: "unreadable" });
    await expect(failing).rejects.toThrow("unreadable");
  });

  it("hashes on the page, with the same digest, when the worker dies or cannot start", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const file = blob("photo bytes");
    const waiting = hasher(file as unknown as File, new AbortController().signal);
    FakeWorker.made[0]!.onerror?.();
    await expect(waiting).resolves.toBe(await expected(file));
    expect(FakeWorker.made[0]!.terminated).toBe(true);
    // Later files do not try the broken worker again.
    const later = blob("later");
    await expect(hasher(later as unknown as File, new AbortController().signal)).resolves.toBe(await expected(later));
    expect(FakeWorker.made).toHaveLength(1);

    vi.stubGlobal("Worker", undefined); // no Workers at all
    const plain = createWorkerHasher().hasher;
    await expect(plain(file as unknown as File, new AbortController().signal)).resolves.toBe(await expected(file));
  });

  it("tells the worker to stop a file whose hash is aborted, and rejects with the abort's reason", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const abort = new AbortController();
    const pending = hasher(blob("big") as unknown as File, abort.signal);
    const [request] = FakeWorker.made[0]!.posted;
    abort.abort(new Error("cancelled"));
    await expect(pending).rejects.toThrow("cancelled");
    expect(FakeWorker.made[0]!.posted.at(-1)).toEqual({ type: "abort", id: request!.id });
  });

  it("finds the File behind a wrapped source, and hashes a source with none on the page", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const file = blob("heic bytes");
    const wrapped = {
      name: "a.heic",
      type: "image/heic",
      size: file.size,
      slice: (s?: number, e?: number) => file.slice(s, e),
    };
    const { hasher } = createWorkerHasher((source) => (source === wrapped ? file : undefined));
    void hasher(wrapped, new AbortController().signal);
    expect((FakeWorker.made[0]!.posted[0] as { blob: Blob }).blob).toBe(file);

    const other = { ...wrapped };
    await expect(hasher(other, new AbortController().signal)).resolves.toBe(await expected(file));
    expect(FakeWorker.made[0]!.posted).toHaveLength(1);
  });
});

describe("createWorkerHasher many", () => {
  it("posts a batch as one message and resolves with the worker's answer per file", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const files = [blob("one"), blob("two")];
    const pending = hasher.many!(files as unknown as File[], new AbortController().signal);
    const posted = FakeWorker.made[0]!.posted;
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ type: "hash-many", blobs: files });
    FakeWorker.made[0]!.reply({ id: posted[0]!.id, results: ["aa", { error: "unreadable" }], ms: 1 });
    await expect(pending).resolves.toEqual(["aa", { error: "unreadable" }]);
  });

  it("hashes the batch on the page, file by file, when the worker dies under it", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const files = [blob("one"), blob("two")];
    const pending = hasher.many!(files as unknown as File[], new AbortController().signal);
    FakeWorker.made[0]!.onerror?.();
    await expect(pending).resolves.toEqual([await expected(files[0]!), await expected(files[1]!)]);
  });

  it("tells the worker to stop an aborted batch, and rejects with the abort's reason", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher } = createWorkerHasher();
    const abort = new AbortController();
    const pending = hasher.many!([blob("a"), blob("b")] as unknown as File[], abort.signal);
    const [request] = FakeWorker.made[0]!.posted;
    abort.abort(new Error("cancelled"));
    await expect(pending).rejects.toThrow("cancelled");
    expect(FakeWorker.made[0]!.posted.at(-1)).toEqual({ type: "abort", id: request!.id });
  });
});

describe("createWorkerHasher warm", () => {
  it("starts the one worker before any file, which the first file then uses", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const { hasher, warm } = createWorkerHasher();
    expect(FakeWorker.made).toHaveLength(0);
    warm();
    warm();
    expect(FakeWorker.made).toHaveLength(1);
    expect(FakeWorker.made[0]!.posted).toEqual([]);
    const pending = hasher(blob("one") as unknown as File, new AbortController().signal);
    expect(FakeWorker.made).toHaveLength(1);
    const [request] = FakeWorker.made[0]!.posted;
    FakeWorker.made[0]!.reply({ id: request!.id, sha256: "aa", ms: 1 });
    await expect(pending).resolves.toBe("aa");
  });

  it("does nothing where Workers are missing: files are then hashed on the page", async () => {
    vi.stubGlobal("Worker", undefined);
    const { hasher, warm } = createWorkerHasher();
    expect(() => warm()).not.toThrow();
    const file = blob("photo");
    await expect(hasher(file as unknown as File, new AbortController().signal)).resolves.toBe(await expected(file));
  });
});
