import type { PhotoListItem } from "@rapidphoto/protocol";

/** A heading row or a row of tiles in the windowed grid. */
export type GridRow =
  | { kind: "heading"; key: string; label: string; count: number }
  | { kind: "tiles"; key: string; photos: PhotoListItem[]; firstIndex: number };

export type Grouping = "month-taken" | "batch" | "none";

const monthFormat = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * Each photo's month key, kept by the photo object: the list is laid out again at every patch (a
 * few a second while an upload completes) and a patch keeps the objects of the photos it did not
 * change, so each photo's Date and key string are made once rather than at every layout (they were
 * most of layoutRows' bytes, and lived long enough to reach the old generation: 15 MB in a
 * 3,000-file upload, browser-profile --mode alloc).
 */
const monthKeys = new WeakMap<PhotoListItem, string>();

/**
 * The group a photo falls in: its month taken (upload time when unknown), or its upload batch. Only
 * the key, cheap enough to ask of every photo each time the list changes; the label is formatted
 * once per group (groupLabel).
 */
function groupKey(photo: PhotoListItem, grouping: Grouping): string {
  if (grouping === "none") return "all";
  if (grouping === "batch") return photo.jobId;
  let key = monthKeys.get(photo);
  if (key === undefined) {
    const date = new Date(photo.takenAt ?? photo.createdAt);
    key = `${date.getFullYear()}-${date.getMonth()}`;
    monthKeys.set(photo, key);
  }
  return key;
}

function groupLabel(photo: PhotoListItem, grouping: Grouping): string {
  if (grouping === "none") return "";
  if (grouping === "batch") return `Uploaded ${dayFormat.format(new Date(photo.createdAt))}`;
  return monthFormat.format(new Date(photo.takenAt ?? photo.createdAt));
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
    const first = photos[i] as PhotoListItem;
    const key = groupKey(first, grouping);
    let end = i + 1;
    while (end < photos.length && groupKey(photos[end] as PhotoListItem, grouping) === key) end++;
    if (grouping !== "none") {
      rows.push({ kind: "heading", key: `h:${key}:${i}`, label: groupLabel(first, grouping), count: end - i });
    }
    for (let start = i; start < end; start += columns) {
      const slice = photos.slice(start, Math.min(start + columns, end));
      rows.push({ kind: "tiles", key: `t:${(slice[0] as PhotoListItem).photoId}`, photos: slice, firstIndex: start });
    }
    i = end;
  }
  return rows;
}
