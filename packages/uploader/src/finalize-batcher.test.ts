import type { FinalizeManyResponse } from "@rapidphoto/protocol";
import { describe, expect, it, vi } from "vitest";
import type { UploadApi } from "./api-client.js";
import { ApiError, NetworkError } from "./errors.js";
import { batchedFinalize, FinalizeBatcher } from "./finalize-batcher.js";

/** A finalize-many endpoint whose answers the test gives, one request at a time. */
function endpoint() {
  const requests: { photoIds: string[]; answer(r: FinalizeManyResponse): void; fail(e: unknown): void }[] = [];
  const send = (photoIds: string[]) =>
    new Promise<FinalizeManyResponse>((answer, fail) => requests.push({ photoIds, answer, fail }));
  const processing = (photoIds: string[]): FinalizeManyResponse => ({
    results: photoIds.map((photoId) => ({ photoId, status: "PROCESSING" })),
  });
  return { requests, send, processing };
}

const live = () => new AbortController().signal;
const settled = async <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ value: v }),
    (e: unknown) => ({ error: e }),
  );
const flush = () => new Promise((r) => setTimeout(r, 0));

describe("FinalizeBatcher", () => {
  it("sends the first two at once and the photos landing while both are out together, each answered on its own", async () => {
    const api = endpoint();
    const batcher = new FinalizeBatcher(api.send);
    const answers = ["ph_a", "ph_b", "ph_c", "ph_d", "ph_e"].map((id) => batcher.finalize(id, live()));
    expect(api.requests.map((r) => r.photoIds)).toEqual([["ph_a"], ["ph_b"]]);
    api.requests[0]?.answer(api.processing(["ph_a"]));
    await flush();
    expect(api.requests.map((r) => r.photoIds)).toEqual([["ph_a"], ["ph_b"], ["ph_c", "ph_d", "ph_e"]]);
    api.requests[1]?.answer(api.processing(["ph_b"]));
    api.requests[2]?.answer({
      results: [
        { photoId: "ph_c", status: "PROCESSING" },
        {
          photoId: "ph_d",
          error: { status: 409, code: "UPLOAD_INCOMPLETE", message: "Missing bytes.", details: { n: 1 } },
        },
        { photoId: "ph_e", status: "COMPLETED" },
      ],
    });
    const results = await Promise.all(answers.map(settled));
    expect(results.slice(0, 3)).toEqual([
      { value: { photoId: "ph_a", status: "PROCESSING" } },
      { value: { photoId: "ph_b", status: "PROCESSING" } },
      { value: { photoId: "ph_c", status: "PROCESSING" } },
    ]);
    const refused = results[3] as { error: ApiError };
    expect(refused.error).toBeInstanceOf(ApiError);
    expect(refused.error).toMatchObject({ status: 409, code: "UPLOAD_INCOMPLETE", details: { n: 1 } });
    expect(results[4]).toEqual({ value: { photoId: "ph_e", status: "COMPLETED" } });
  });

  it("rejects every photo of a request that fails as a whole with its error; the next request goes on", async () => {
    const api = endpoint();
    const batcher = new FinalizeBatcher(api.send, { maxBatch: 100, inFlight: 1 });
    const first = batcher.finalize("ph_a", live());
    const queued = ["ph_b", "ph_c"].map((id) => batcher.finalize(id, live()));
    const down = new ApiError(503, "STORAGE_UNAVAILABLE", "Storage is down.", undefined, "1");
    api.requests[0]?.fail(new NetworkError("offline"));
    await expect(first).rejects.toBeInstanceOf(NetworkError);
    await flush();
    api.requests[1]?.fail(down);
    for (const p of queued) await expect(p).rejects.toBe(down);
  });

  it("never puts a photo twice in one request, and keeps each request within the limit", async () => {
    const api = endpoint();
    const batcher = new FinalizeBatcher(api.send, { maxBatch: 2, inFlight: 1 });
    const answers = ["ph_a", "ph_b", "ph_b", "ph_c", "ph_d"].map((id) => batcher.finalize(id, live()));
    for (let i = 0; api.requests.length > i; i++) {
      api.requests[i]?.answer(api.processing(api.requests[i]?.photoIds ?? []));
      await flush();
    }
    expect(api.requests.map((r) => r.photoIds)).toEqual([["ph_a"], ["ph_b", "ph_c"], ["ph_b", "ph_d"]]);
    await Promise.all(answers);
  });

  it("answers an aborted caller with its abort at once: unsent, its photo is never sent", async () => {
    const api = endpoint();
    const batcher = new FinalizeBatcher(api.send, { maxBatch: 100, inFlight: 1 });
    const sentController = new AbortController();
    const sent = batcher.finalize("ph_a", sentController.signal);
    const queuedController = new AbortController();
    const queued = batcher.finalize("ph_b", queuedController.signal);
    const kept = batcher.finalize("ph_c", live());
    queuedController.abort(new Error("paused"));
    await expect(queued).rejects.toThrow("paused");
    sentController.abort(new Error("cancelled"));
    await expect(sent).rejects.toThrow("cancelled");
    api.requests[0]?.answer(api.processing(["ph_a"]));
    await flush();
    expect(api.requests.map((r) => r.photoIds)).toEqual([["ph_a"], ["ph_c"]]);
    api.requests[1]?.answer(api.processing(["ph_c"]));
    await expect(kept).resolves.toEqual({ photoId: "ph_c", status: "PROCESSING" });
    const aborted = new AbortController();
    aborted.abort(new Error("already"));
    await expect(batcher.finalize("ph_d", aborted.signal)).rejects.toThrow("already");
    expect(api.requests).toHaveLength(2);
  });

  it("refuses a photo the answer left out as a bad response", async () => {
    const api = endpoint();
    const batcher = new FinalizeBatcher(api.send, { maxBatch: 100, inFlight: 1 });
    const a = batcher.finalize("ph_a", live());
    api.requests[0]?.answer({ results: [] });
    await expect(a).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });
});

describe("batchedFinalize", () => {
  const api = (withMany: boolean) => {
    const finalize = vi.fn(async (photoId: string) => ({ photoId, status: "PROCESSING" as const }));
    const finalizeMany = vi.fn(async (photoIds: string[]) => ({
      results: photoIds.map((photoId) => ({ photoId, status: "PROCESSING" as const })),
    }));
    return { finalize, finalizeMany, value: { finalize, ...(withMany && { finalizeMany }) } as unknown as UploadApi };
  };

  it("batches single-PUT files and finalizes a multipart file, which carries its parts, on its own", async () => {
    const { finalize, finalizeMany, value } = api(true);
    const run = batchedFinalize(value);
    await run("ph_a", {}, live());
    await run("ph_b", { uploadId: "up", parts: [{ partNumber: 1, etag: '"1"' }] }, live());
    expect(finalizeMany).toHaveBeenCalledTimes(1);
    expect(finalizeMany.mock.calls[0]?.[0]).toEqual(["ph_a"]);
    expect(finalize).toHaveBeenCalledTimes(1);
    expect(finalize.mock.calls[0]?.[0]).toBe("ph_b");
  });

  it("finalizes one by one on an API without finalize-many", async () => {
    const { finalize, value } = api(false);
    await batchedFinalize(value)("ph_a", {}, live());
    expect(finalize).toHaveBeenCalledTimes(1);
  });
});
