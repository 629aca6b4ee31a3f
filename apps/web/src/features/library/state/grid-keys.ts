import type { GridRow } from "./photo-groups";

export type GridKey = "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown";

export function isGridKey(key: string): key is GridKey {
  return key === "ArrowLeft" || key === "ArrowRight" || key === "ArrowUp" || key === "ArrowDown";
}

/**
 * Where an arrow key moves the focus from the photo at `index`: ←/→ to the photo before or after
 * (across group and row ends, as reading order), ↑/↓ to the same column of the tile row above or
 * below (headings skipped; a shorter row's last photo when the column is past its end). Returns the
 * photo's index and the row (of `rows`) it sits in, or null at the grid's ends.
 */
export function moveInGrid(
  rows: readonly GridRow[],
  index: number,
  key: GridKey,
): { index: number; row: number } | null {
  const here = rowOf(rows, index);
  if (here < 0) return null;
  if (key === "ArrowLeft" || key === "ArrowRight") {
    const target = index + (key === "ArrowRight" ? 1 : -1);
    const row = rowOf(rows, target);
    return row < 0 ? null : { index: target, row };
  }
  const current = rows[here] as Extract<GridRow, { kind: "tiles" }>;
  const column = index - current.firstIndex;
  const step = key === "ArrowDown" ? 1 : -1;
  for (let row = here + step; row >= 0 && row < rows.length; row += step) {
    const r = rows[row];
    if (r?.kind !== "tiles") continue;
    return { index: r.firstIndex + Math.min(column, r.photos.length - 1), row };
  }
  return null;
}

/** The row (of `rows`) holding the photo at `index`, or -1. */
function rowOf(rows: readonly GridRow[], index: number): number {
  return rows.findIndex((r) => r.kind === "tiles" && index >= r.firstIndex && index < r.firstIndex + r.photos.length);
}
