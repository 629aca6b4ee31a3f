import type { PhotoListItem } from "@rapidphoto/protocol";
import { describe, expect, it, vi } from "vitest";
import { layoutRows } from "./photo-groups";

const photo = (id: string, takenAt: string | null, jobId = "job_aaaaaaaa"): PhotoListItem => ({
  photoId: `ph_${id.padEnd(8, "0")}`,
  jobId,
  filename: `${id}.jpg`,
  mimeType: "image/jpeg",
  bytes: 1,
  status: "COMPLETED",
  width: 1,
  height: 1,
  thumbnailUrl: null,
  takenAt,
  createdAt: "2024-06-01T12:00:00.000Z",
  trashedAt: null,
});

describe("layoutRows", () => {
  it("puts a heading before each month taken and breaks tiles into rows within it", () => {
    const list = [
      photo("a", "2024-05-20T10:00:00Z"),
      photo("b", "2024-05-10T10:00:00Z"),
      photo("c", "2024-05-02T10:00:00Z"),
      photo("d", "2023-12-24T10:00:00Z"),
    ];
    const rows = layoutRows(list, "month-taken", 2);
    expect(
      rows.map((r) => (r.kind === "heading" ? `H${r.count}` : r.photos.map((p) => p.filename[0]).join(""))),
    ).toEqual(["H3", "ab", "c", "H1", "d"]);
    expect(rows.filter((r) => r.kind === "tiles").map((r) => (r.kind === "tiles" ? r.firstIndex : -1))).toEqual([
      0, 2, 3,
    ]);
  });

  it("groups by upload batch for Recent, and not at all for search results", () => {
    const list = [photo("a", null, "job_11111111"), photo("b", null, "job_11111111"), photo("c", null, "job_22222222")];
    expect(layoutRows(list, "batch", 4).filter((r) => r.kind === "heading")).toHaveLength(2);
    expect(layoutRows(list, "none", 4)).toHaveLength(1);
  });

  describe("laid out again", () => {
    /** Counts `new Date(…)` while laying out: each photo's month is worked out once, not per layout. */
    const datesMadeBy = (layout: () => unknown): number => {
      let made = 0;
      const RealDate = Date;
      vi.stubGlobal(
        "Date",
        class extends RealDate {
          constructor(...args: ConstructorParameters<typeof Date>) {
            super(...args);
            made++;
          }
        },
      );
      try {
        layout();
      } finally {
        vi.unstubAllGlobals();
      }
      return made;
    };

    it("makes a Date per heading only, for photos it has grouped before", () => {
      const list = [
        photo("a", "2024-05-20T10:00:00Z"),
        photo("b", "2024-05-10T10:00:00Z"),
        photo("c", "2023-12-24T10:00:00Z"),
      ];
      layoutRows(list, "month-taken", 2);
      // The two headings' labels are formatted each time; no photo's month is worked out again.
      expect(datesMadeBy(() => layoutRows([...list], "month-taken", 2))).toBe(2);
    });

    it("groups a patched photo (a new object) by its new month", () => {
      const a = photo("a", "2024-05-20T10:00:00Z");
      const b = photo("b", "2024-05-10T10:00:00Z");
      expect(layoutRows([a, b], "month-taken", 4).filter((r) => r.kind === "heading")).toHaveLength(1);
      const moved = { ...b, takenAt: "2023-12-24T10:00:00Z" };
      const rows = layoutRows([a, moved], "month-taken", 4);
      expect(rows.filter((r) => r.kind === "heading").map((r) => (r.kind === "heading" ? r.count : 0))).toEqual([1, 1]);
    });
  });
});
