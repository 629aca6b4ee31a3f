import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkError, selectTotals } from "../src/index.js";
import type { FaultAction, LogEntry, ProxiedRequest } from "./fault-proxy.js";
import { type Harness, startHarness } from "./support/harness.js";
import { ManualClock } from "./support/manual-clock.js";

const MiB = 1024 * 1024;

/** One fault per single-PUT photo, in turn, on its first try. Stalls have their own test below. */
const PUT_FAULTS: FaultAction[] = [
  { kind: "drop", afterBytes: 100_000 },
  { kind: "status", status: 503, retryAfter: "0" },
  { kind: "status", status: 500 },
  { kind: "expire" },
];

/** Faults per part of the multipart file; `attempts` says on which tries. */
const PART_FAULTS: Record<number, { action: FaultAction; attempts: number[] }> = {
  3: { action: { kind: "drop", afterBytes: 3 * MiB }, attempts: [1] },
  4: { action: { kind: "expire" }, attempts: [1, 2] },
  5: { action: { kind: "status", status: 503 }, attempts: [1, 2] },
  6: { action: { kind: "status", status: 429, retryAfter: "0" }, attempts: [1] },
  7: { action: { kind: "status", status: 408 }, attempts: [1] },
};

describe("uploading through a bad network", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it("survives dropped connections, 5xx, 408/429 and expired URLs with exact bytes", async () => {
    const small = await Promise.all(Array.from({ length: 10 }, (_, i) => h.randomFile(`s${i}.jpg`, 900_000 + i)));
    const big = await h.randomFile("big.jpg", 60 * MiB + 7);
    const order = new Map<string, number>();
    h.proxy.rule = (r: ProxiedRequest) => {
      if (r.method !== "PUT" || !r.photoId) return { kind: "pass" };
      if (r.partNumber !== null) {
        const fault = PART_FAULTS[r.partNumber];
        return fault?.attempts.includes(r.attempt) ? fault.action : { kind: "pass" };
      }
      if (!order.has(r.photoId)) order.set(r.photoId, order.size);
      return r.attempt === 1 ? PUT_FAULTS[order.get(r.photoId)! % PUT_FAULTS.length]! : { kind: "pass" };
    };
    const signed: number[][] = [];
    const uploader = h.uploader({
      api: {
        ...h.api,
        signParts: (photoId, partNumbers, signal) => {
          signed.push(partNumbers);
          return h.api.signParts(photoId, partNumbers, signal);
        },
      },
    });
    const ids = uploader.add([...small.map((f) => f.source), big.source]);
    await uploader.whenIdle();

    const state = uploader.store.getState();
    const rows = ids.map((id) => state.files[id]!);
    expect(rows.map((f) => [f.name, f.status, f.error?.code ?? null])).toEqual(
      rows.map((f) => [f.name, "PROCESSING", null]),
    );
    const totalBytes = [...small, big].reduce((sum, f) => sum + f.source.size, 0);
    expect(selectTotals(state)).toMatchObject({ bytesSent: totalBytes, bytesTotal: totalBytes, percent: 100 });
    const stored = await Promise.all(rows.map((f) => h.storedSha256(f.photoId!)));
    expect(stored).toEqual([...small, big].map((f) => f.sha256));

    // Every injected fault happened, and each was followed by a successful retry.
    const log = h.proxy.log.filter((e) => e.method === "PUT");
    for (const kind of ["drop", "status", "expire"] as const) {
      expect(log.some((e) => e.action === kind)).toBe(true);
    }
    // An expired URL is signed again (twice here: the one the job came with, then a fresh one), never fatal.
    const bigPhoto = rows.at(-1)!.photoId!;
    const part4 = log.filter((e) => e.photoId === bigPhoto && e.partNumber === 4);
    expect(part4.slice(0, 2).map((e) => e.status)).toEqual([403, 403]);
    expect(part4.at(-1)?.status).toBe(200);
    expect(signed.filter((batch) => batch.includes(4)).length).toBeGreaterThanOrEqual(2);
    expect(rows.at(-1)!.retries).toBeGreaterThanOrEqual(Object.keys(PART_FAULTS).length - 1);
  });

  it("aborts a request that went silent after its stall window and sends it again", async () => {
    const single = await h.randomFile("stall-single.jpg", 900_000);
    const big = await h.randomFile("stall-big.jpg", 20 * MiB + 3);
    h.proxy.rule = (r: ProxiedRequest) => {
      if (r.method !== "PUT" || r.attempt !== 1) return { kind: "pass" };
      if (r.partNumber === null) return { kind: "stall", afterBytes: 50_000 };
      return r.partNumber === 2 ? { kind: "stall", afterBytes: 1 * MiB } : { kind: "pass" };
    };
    // Time moves only when the test says so, and one request at a time: when a request is held
    // silent, moving the clock past its window can only ever stall that one.
    const clock = new ManualClock();
    const uploader = h.uploader({ clock, limits: { maxRequests: 1 } });
    const ids = uploader.add([single.source, big.source]);
    const logStart = h.proxy.log.length;
    const held = (e: LogEntry) => e.action === "stall" && e.held;
    for (let stalls = 1; stalls <= 2; stalls++) {
      while (h.proxy.log.slice(logStart).filter(held).length < stalls) await sleep(10);
      clock.advance(30_000);
    }
    await uploader.whenIdle();

    const state = uploader.store.getState();
    const rows = ids.map((id) => state.files[id]!);
    expect(rows.map((f) => [f.status, f.error, f.retries])).toEqual([
      ["PROCESSING", null, 1],
      ["PROCESSING", null, 1],
    ]);
    expect(await Promise.all(rows.map((f) => h.storedSha256(f.photoId!)))).toEqual([single.sha256, big.sha256]);
    const stalled = h.proxy.log.slice(logStart).filter((e) => e.action === "stall");
    expect(stalled.map((e) => [e.partNumber, e.status])).toEqual([
      [null, null],
      [2, null],
    ]);
  });

  it("treats a finalize whose answer was lost as done once the server confirms it", async () => {
    h.proxy.rule = () => ({ kind: "pass" });
    const file = await h.randomFile("lost-answer.jpg", 9 * MiB);
    let cut = 0;
    const uploader = h.uploader({
      api: {
        ...h.api,
        finalize: async (photoId, body, signal) => {
          const call = ++cut;
          const answer = await h.api.finalize(photoId, body, signal);
          if (call === 1) throw new NetworkError("connection reset after the request was handled");
          return answer;
        },
      },
    });
    const [id] = uploader.add([file.source]);
    await uploader.whenIdle();
    expect(uploader.store.getState().files[id!]).toMatchObject({ status: "PROCESSING", error: null });
    expect(cut).toBe(2); // the second finalize was refused (already finalized); the job query settled it
    expect(await h.storedSha256(uploader.store.getState().files[id!]!.photoId!)).toBe(file.sha256);
  });

  it("finalizes small files through finalize-many, and those of a request whose answer was lost again", async () => {
    h.proxy.rule = () => ({ kind: "pass" });
    const files = await Promise.all(["a", "b", "c"].map((n) => h.randomFile(`${n}.jpg`, 200_000)));
    const requests: string[][] = [];
    let singles = 0;
    const api = h.api;
    const uploader = h.uploader({
      api: {
        ...api,
        finalize: (photoId, body, signal) => {
          singles++;
          return api.finalize(photoId, body, signal);
        },
        finalizeMany: async (photoIds, signal) => {
          const call = requests.push(photoIds);
          const answer = await api.finalizeMany!(photoIds, signal);
          if (call === 1) throw new NetworkError("connection reset after the request was handled");
          return answer;
        },
      },
    });
    const ids = uploader.add(files.map((f) => f.source));
    await uploader.whenIdle();
    const rows = ids.map((id) => uploader.store.getState().files[id!]!);
    for (const row of rows) expect(row).toMatchObject({ status: "PROCESSING", error: null });
    // Every photo went through the batch endpoint, none alone, and the photos of the request whose
    // answer was lost once more: the server answered the repeat as the photo is now (idempotent).
    expect(singles).toBe(0);
    expect(requests.flat().sort()).toEqual([...rows.map((r) => r.photoId!), ...requests[0]!].sort());
    expect(await Promise.all(rows.map((r) => h.storedSha256(r.photoId!)))).toEqual(files.map((f) => f.sha256));
  });
});
