import type { SignedPart } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { URL_EXPIRY_MARGIN_MS } from "./constants.js";
import { PartSigner } from "./part-signer.js";

const HOUR = 3_600_000;

/** A signer over a fake api that signs every part it is asked for, valid for an hour from `now`. */
function signerWith(opts: { order: number[]; signed?: SignedPart[]; now?: () => number; batch?: number }) {
  const asked: number[][] = [];
  const now = opts.now ?? (() => 0);
  const api = {
    signParts: async (_photoId: string, partNumbers: number[]) => {
      asked.push(partNumbers);
      const expiresAt = new Date(now() + HOUR).toISOString();
      return { urls: partNumbers.map((n) => ({ partNumber: n, url: `signed://${n}`, expiresAt })) };
    },
  };
  const signer = new PartSigner(
    api,
    "ph_1",
    opts.order,
    opts.batch ?? 10,
    new AbortController().signal,
    now,
    opts.signed,
  );
  return { signer, asked };
}

const withItem = (n: number, expiresAt: number): SignedPart => ({
  partNumber: n,
  url: `item://${n}`,
  expiresAt: new Date(expiresAt).toISOString(),
});
const signal = new AbortController().signal;

describe("PartSigner", () => {
  it("uses the URLs the item came with before asking, and asks for the parts past them in one batch", async () => {
    const { signer, asked } = signerWith({ order: [1, 2, 3, 4], signed: [withItem(1, HOUR), withItem(2, HOUR)] });
    expect((await signer.target(1, false, signal)).url).toBe("item://1");
    expect((await signer.target(2, false, signal)).url).toBe("item://2");
    expect(asked).toEqual([]);
    expect((await signer.target(3, false, signal)).url).toBe("signed://3");
    expect((await signer.target(4, false, signal)).url).toBe("signed://4");
    expect(asked).toEqual([[3, 4]]);
  });

  it("signs again an item's URL within the expiry margin, however long it lived", async () => {
    let t = 0;
    const expiry = 10 * 60_000;
    const { signer, asked } = signerWith({
      order: [1, 2],
      signed: [withItem(1, expiry), withItem(2, expiry)],
      now: () => t,
    });
    t = expiry - URL_EXPIRY_MARGIN_MS - 1;
    expect((await signer.target(1, false, signal)).url).toBe("item://1");
    t = expiry - URL_EXPIRY_MARGIN_MS;
    expect((await signer.target(2, false, signal)).url).toBe("signed://2");
    expect(asked).toEqual([[2]]);
  });

  it("signs again an item's URL storage refused, and ignores URLs of parts already stored", async () => {
    const { signer, asked } = signerWith({ order: [2, 3], signed: [withItem(1, HOUR), withItem(2, HOUR)] });
    expect((await signer.target(2, true, signal)).url).toBe("signed://2");
    expect(asked).toEqual([[2, 3]]);
    // Part 1 is stored (not in the order): its URL from the item was never kept.
    expect((await signer.target(1, false, signal)).url).toBe("signed://1");
  });
});
