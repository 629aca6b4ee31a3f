import type { UploadApi } from "@rapidphoto/uploader";
import { describe, expect, it } from "vitest";
import { withCreatesTracked } from "./creates-tracked";

type Create = UploadApi["createJob"];

/** An API whose creates are answered (or refused) when the test says so. */
function manualApi() {
  const calls: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const createJob = (() =>
    new Promise((resolve, reject) => {
      calls.push({ resolve, reject });
    })) as unknown as Create;
  return { api: { createJob }, calls };
}

const settledYet = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe("withCreatesTracked", () => {
  it("has nothing to wait for while no create runs", () => {
    expect(withCreatesTracked(manualApi().api).creating()).toBeUndefined();
  });

  it("settles once every create running now is answered, refused ones too", async () => {
    const { api, calls } = manualApi();
    const tracked = withCreatesTracked(api);
    const first = tracked.createJob({} as never, new AbortController().signal);
    const second = tracked.createJob({} as never, new AbortController().signal).catch((e: unknown) => e);
    const creating = tracked.creating() as Promise<void>;
    expect(creating).toBeInstanceOf(Promise);

    calls[0]!.resolve({ jobId: "j1" });
    await expect(first).resolves.toEqual({ jobId: "j1" });
    expect(await settledYet(creating)).toBe(false); // the second is still running

    calls[1]!.reject(new Error("refused"));
    expect(await second).toEqual(new Error("refused")); // the caller still sees the refusal
    expect(await settledYet(creating)).toBe(true);
    expect(tracked.creating()).toBeUndefined();
  });
});
