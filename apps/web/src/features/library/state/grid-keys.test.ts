import type { PhotoListItem } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { moveInGrid } from "./grid-keys";
import type { GridRow } from "./photo-groups";

const photo = (i: number) => ({ photoId: `ph_${i}` }) as PhotoListItem;
const tiles = (firstIndex: number, n: number): GridRow => ({
  kind: "tiles",
  key: `t${firstIndex}`,
  firstIndex,
  photos: Array.from({ length: n }, (_, i) => photo(firstIndex + i)),
});
const heading = (key: string): GridRow => ({ kind: "heading", key, label: key, count: 0 });

// Two groups, 3 columns: [0 1 2] [3 4] | [5 6 7] [8]
const ROWS = [heading("a"), tiles(0, 3), tiles(3, 2), heading("b"), tiles(5, 3), tiles(8, 1)];

describe("moveInGrid", () => {
  it("moves left and right in reading order, across rows and groups, and stops at the ends", () => {
    expect(moveInGrid(ROWS, 2, "ArrowRight")).toEqual({ index: 3, row: 2 });
    expect(moveInGrid(ROWS, 4, "ArrowRight")).toEqual({ index: 5, row: 4 });
    expect(moveInGrid(ROWS, 5, "ArrowLeft")).toEqual({ index: 4, row: 2 });
    expect(moveInGrid(ROWS, 0, "ArrowLeft")).toBeNull();
    expect(moveInGrid(ROWS, 8, "ArrowRight")).toBeNull();
  });

  it("moves up and down by row in the same column, skipping headings, clamped to a shorter row", () => {
    expect(moveInGrid(ROWS, 1, "ArrowDown")).toEqual({ index: 4, row: 2 });
    expect(moveInGrid(ROWS, 2, "ArrowDown")).toEqual({ index: 4, row: 2 });
    expect(moveInGrid(ROWS, 4, "ArrowDown")).toEqual({ index: 6, row: 4 });
    expect(moveInGrid(ROWS, 7, "ArrowDown")).toEqual({ index: 8, row: 5 });
    expect(moveInGrid(ROWS, 6, "ArrowUp")).toEqual({ index: 4, row: 2 });
    expect(moveInGrid(ROWS, 1, "ArrowUp")).toBeNull();
    expect(moveInGrid(ROWS, 8, "ArrowDown")).toBeNull();
  });
});
