import type { PhotoListItem } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { patchPages } from "./patch-pages";

const photo = (n: number, status: PhotoListItem["status"] = "PROCESSING"): PhotoListItem => ({
  photoId: `ph_${String(n).padStart(8, "0")}`,
  jobId: "job_aaaaaaaa",
  filename: `${n}.jpg`,
  mimeType: "image/jpeg",
  bytes: 1,
  status,
  width: null,
  height: null,
  thumbnailUrl: null,
  takenAt: null,
  createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
  trashedAt: null,
});

const pages = (...lists: { items: PhotoListItem[]; nextCursor: string | null }[]) => ({
  pages: lists,
  pageParams: lists.map((_, i) => (i ? `c${i}` : undefined)),
});

describe("patchPages", () => {
  it("replaces changed photos in place, inserts new ones by sort order and removes gone ones", () => {
    const data = pages(
      { items: [photo(9), photo(8), photo(7)], nextCursor: "c1" },
      { items: [photo(5)], nextCursor: null },
    );
    const out = patchPages(data, [photo(8, "COMPLETED"), photo(10), photo(6)], "uploaded", [photo(7).photoId]);
    expect(out.pages.map((p) => p.items.map((i) => Number(i.filename.split(".")[0])))).toEqual([
      [10, 9, 8],
      [6, 5],
    ]);
    expect(out.pages[0]?.items[2]?.status).toBe("COMPLETED");
  });

  it("leaves a photo older than everything loaded to the page that will bring it", () => {
    const data = pages({ items: [photo(9), photo(8)], nextCursor: "c1" });
    expect(patchPages(data, [photo(2)], "uploaded").pages[0]?.items).toHaveLength(2);
    const done = pages({ items: [photo(9), photo(8)], nextCursor: null });
    expect(patchPages(done, [photo(2)], "uploaded").pages[0]?.items).toHaveLength(3);
  });

  it("keeps the pages a patch does not touch, and leaves the pages it was given as they were", () => {
    const first = { items: [photo(9), photo(8)], nextCursor: "c1" };
    const second = { items: [photo(6), photo(5)], nextCursor: null };
    const data = pages(first, second);
    const out = patchPages(data, [photo(5, "COMPLETED")], "uploaded");
    expect(out.pages[0]).toBe(first);
    expect(out.pages[1]).not.toBe(second);
    expect(out.pages[1]?.items[1]?.status).toBe("COMPLETED");
    const inserted = patchPages(data, [photo(10)], "uploaded");
    expect(inserted.pages[0]?.items.map((i) => i.filename)).toEqual(["10.jpg", "9.jpg", "8.jpg"]);
    expect(inserted.pages[1]).toBe(second);
    expect(first.items.map((i) => i.filename)).toEqual(["9.jpg", "8.jpg"]);
    expect(second.items[1]?.status).toBe("PROCESSING");
  });
});
