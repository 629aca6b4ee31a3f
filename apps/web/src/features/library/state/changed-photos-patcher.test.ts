import { MAX_IDS_PER_QUERY, type PhotoListItem } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { createChangedPhotosPatcher } from "./changed-photos-patcher";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const photo = (photoId: string, status = "COMPLETED") => ({ photoId, status }) as unknown as PhotoListItem;
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/**
 * A patcher over fakes: each fetch answers with the ids asked, as COMPLETED photos (or as told), and
 * each prepare settles at once unless the test holds it. Records what lands and every refetch.
 */
function rig(options: { loaded?: boolean; failFetch?: (ids: readonly string[]) => boolean } = {}) {
  const fetched: string[][] = [];
  const applied: string[][] = [];
  const held = new Map<string, ReturnType<typeof deferred<void>>>();
  let refetches = 0;
  let throwOnApply = false;
  const patcher = createChangedPhotosPatcher({
    loaded: () => options.loaded ?? true,
    fetchByIds: async (ids) => {
      fetched.push([...ids]);
      if (options.failFetch?.(ids)) throw new Error("503");
      return ids.map((id) => photo(id));
    },
    prepare: (photos) => held.get(photos[0]?.photoId ?? "")?.promise ?? Promise.resolve(),
    apply: (photos) => {
      if (throwOnApply) throw new Error("bad page");
      applied.push(photos.map((p) => p.photoId));
    },
    refetch: () => {
      refetches++;
    },
  });
  const hold = (photoId: string) => {
    const gate = deferred<void>();
    held.set(photoId, gate);
    return gate;
  };
  return {
    patcher,
    fetched,
    applied,
    hold,
    get refetches() {
      return refetches;
    },
    throwNextApply: () => {
      throwOnApply = true;
      return () => {
        throwOnApply = false;
      };
    },
  };
}

describe("createChangedPhotosPatcher", () => {
  it("lands patches in the order announced, a later one waiting for an earlier one's thumbnails", async () => {
    const r = rig();
    const slow = r.hold("a");
    r.patcher.announce(["a"]);
    r.patcher.announce(["b"]);
    await settle();
    expect(r.applied).toEqual([]); // b's answer is in, but a's thumbnails are not
    slow.resolve();
    await settle();
    expect(r.applied).toEqual([["a"], ["b"]]);
  });

  it("asks for at most MAX_IDS_PER_QUERY photos a request, landing each chunk as it comes", async () => {
    const r = rig();
    const ids = Array.from({ length: MAX_IDS_PER_QUERY + 3 }, (_, i) => `p${i}`);
    r.patcher.announce(ids);
    await settle();
    expect(r.fetched.map((chunk) => chunk.length)).toEqual([MAX_IDS_PER_QUERY, 3]);
    expect(r.applied.flat()).toEqual(ids);
  });

  it("fetches the list again when a fetch fails, lands nothing of that patch, and goes on with the next", async () => {
    const r = rig({ failFetch: (ids) => ids.includes("bad") });
    r.patcher.announce(["bad"]);
    r.patcher.announce(["c"]);
    await settle();
    expect(r.refetches).toBe(1);
    expect(r.applied).toEqual([["c"]]);
  });

  it("fetches the list again when a patch throws, and later patches still land", async () => {
    const r = rig();
    const restore = r.throwNextApply();
    r.patcher.announce(["a"]);
    await settle();
    expect(r.refetches).toBe(1);
    restore();
    r.patcher.announce(["b"]);
    await settle();
    expect(r.applied).toEqual([["b"]]);
  });

  it("lands nothing once stopped, even a patch already waiting for its thumbnails", async () => {
    const r = rig();
    const slow = r.hold("a");
    r.patcher.announce(["a"]);
    await settle();
    r.patcher.stop();
    slow.resolve();
    r.patcher.announce(["b"]);
    await settle();
    expect(r.applied).toEqual([]);
    expect(r.refetches).toBe(0);
  });

  it("fetches nothing for a list not loaded", async () => {
    const r = rig({ loaded: false });
    r.patcher.announce(["a"]);
    await settle();
    expect(r.fetched).toEqual([]);
    expect(r.applied).toEqual([]);
  });
});
