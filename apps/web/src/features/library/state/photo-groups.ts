import type { PhotoListItem } from "@rapidphoto/protocol";

/** A heading row or a row of tiles in the windowed grid. */
export type GridRow =
  | { kind: "heading"; key: string; label: string; count: number }
  | { kind: "tiles"; key: string; photos: PhotoListItem[]; firstIndex: number };

export type Grouping = "month-taken" | "batch" | "none";

const monthFormat = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The group a photo falls in: its month taken (upload time when unknown), or its upload batch. */
function groupOf(photo: PhotoListItem, grouping: Grouping): { key: string; label: string } {
  if (grouping === "none") return { key: "all", label: "" };
  if (grouping === "batch") {
    return { key: photo.jobId, label: `Uploaded ${dayFormat.format(new Date(photo.createdAt))}` };
  }
  const date = new Date(photo.takenAt ?? photo.createdAt);
  return { key: `${date.getFullYear()}-${date.getMonth()}`, label: monthFormat.format(date) };
}

/**
 * Lays the list out as rows for a grid `columns` wide: a heading at each group's start, then its
 * photos `columns` at a time. The list arrives sorted, so a group is a run of neighbours.
 * `firstIndex` is the position of a row's first photo in `photos` (for keyboard moves and the viewer).
 */
export function layoutRows(photos: readonly PhotoListItem[], grouping: Grouping, columns: number): GridRow[] {
  const rows: GridRow[] = [];
  let i = 0;
  while (i < photos.length) {
    const group = groupOf(photos[i] as PhotoListItem, grouping);
    let end = i + 1;
    while (end < photos.length && groupOf(photos[end] as PhotoListItem, grouping).key === group.key) end++;
    if (grouping !== "none") {
      rows.push({ kind: "heading", key: `h:${group.key}:${i}`, label: group.label, count: end - i });
    }
    for (let start = i; start < end; start += columns) {
      const slice = photos.slice(start, Math.min(start + columns, end));
      rows.push({ kind: "tiles", key: `t:${(slice[0] as PhotoListItem).photoId}`, photos: slice, firstIndex: start });
    }
    i = end;
  }
  return rows;
}
