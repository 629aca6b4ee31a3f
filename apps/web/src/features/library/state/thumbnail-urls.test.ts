import type { PhotoListItem } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { expiresAt, keepThumbnails } from "./thumbnail-urls";

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const disk = (key: string, expiresSec: number, sig = "s1") =>
  `http://127.0.0.1:3000/storage/${key}?expires=${expiresSec}&signature=${sig}`;
const inMinutes = (m: number) => Math.floor(NOW / 1000) + m * 60;

const photo = (photoId: string, thumbnailUrl: string | null): PhotoListItem => ({
  photoId,
  jobId: "job_1",
  filename: `${photoId}.jpg`,
  mimeType: "image/jpeg",
  bytes: 1,
  status: "COMPLETED",
  width: 1,
  height: 1,
  thumbnailUrl,
  takenAt: null,
  createdAt: "2026-12-02T11:00:00.000Z",
  trashedAt: null,
});
const pages = (...items: PhotoListItem[][]) => ({
  pages: items.map((page) => ({ items: page, nextCursor: null })),
  pageParams: items.map(() => undefined),
});

describe("keepThumbnails", () => {
  it("keeps the URL the list had for the same object while it has 15 minutes or more left", () => {
    const old = pages([photo("a", disk("a.webp", inMinutes(50))), photo("b", disk("b.webp", inMinutes(10)))]);
    const fresh = pages(
      [photo("c", disk("c.webp", inMinutes(60))), photo("a", disk("a.webp", inMinutes(60), "s2"))],
      [photo("b", disk("b.webp", inMinutes(60), "s2"))],
    );
    const merged = keepThumbnails(old, fresh, NOW);
    expect(merged.pages[0]?.items.map((p) => p.thumbnailUrl)).toEqual([
      disk("c.webp", inMinutes(60)),
      disk("a.webp", inMinutes(50)), // kept
    ]);
    expect(merged.pages[1]).toBe(fresh.pages[1]); // 10 minutes left: the fresh one
    // Nothing else changed: the list's own object, whatever its place.
    expect(merged.pages[0]?.items[1]).toBe(old.pages[0]?.items[0]);
    const moved = { ...photo("a", disk("a.webp", inMinutes(60), "s3")), status: "FAILED" as const };
    const changed = keepThumbnails(old, pages([moved]), NOW).pages[0]?.items[0];
    expect(changed).toEqual({ ...moved, thumbnailUrl: disk("a.webp", inMinutes(50)) });
  });

  it("takes the fresh URL for another object, an unknown kind of URL, or none", () => {
    const old = pages([
      photo("a", disk("a-old.webp", inMinutes(50))),
      photo("b", "http://cdn.example/b.webp?token=1"),
      photo("c", disk("c.webp", inMinutes(50))),
    ]);
    const fresh = pages([
      photo("a", disk("a.webp", inMinutes(60))),
      photo("b", "http://cdn.example/b.webp?token=2"),
      photo("c", null),
    ]);
    expect(keepThumbnails(old, fresh, NOW).pages[0]).toBe(fresh.pages[0]);
    expect(keepThumbnails(undefined, fresh, NOW)).toBe(fresh);
  });

  it("reads when a disk or S3 signed URL expires", () => {
    expect(expiresAt(disk("a.webp", 1_800_000_000))).toBe(1_800_000_000_000);
    const s3 =
      "https://bucket.s3.amazonaws.com/t/a.webp?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261202T120000Z&X-Amz-Expires=3600&X-Amz-Signature=ab";
    expect(expiresAt(s3)).toBe(NOW + 3_600_000);
    expect(expiresAt("http://cdn.example/b.webp?token=1")).toBeNull();
    expect(expiresAt("not a url")).toBeNull();
  });
});
