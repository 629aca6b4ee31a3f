import type { PhotoListItem, PhotoListResponse, PhotoSort } from "@rapidphoto/protocol";
import type { InfiniteData } from "@tanstack/react-query";

/** The value a list is sorted by (newest first), as the server sorts it. */
export function sortKey(photo: PhotoListItem, sort: PhotoSort): string {
  if (sort === "taken") return photo.takenAt ?? photo.createdAt;
  if (sort === "trashed") return photo.trashedAt ?? photo.createdAt;
  return photo.createdAt;
}

/** Whether `a` comes before `b` in a list sorted newest first, ties by id (descending) like the server. */
function before(a: PhotoListItem, b: PhotoListItem, sort: PhotoSort): boolean {
  const ka = Date.parse(sortKey(a, sort));
  const kb = Date.parse(sortKey(b, sort));
  return ka !== kb ? ka > kb : a.photoId > b.photoId;
}

/**
 * Folds freshly fetched photos into the pages already loaded, without refetching them: a photo the
 * list holds is replaced where it is; a new one is inserted where the sort puts it, if that falls
 * within what is loaded (otherwise a later page brings it); `gone` ids are removed.
 *
 * A page the patch does not touch is kept as it was (the same object and items): while an upload
 * completes the list is patched a few times a second, and copying every loaded page each time (with
 * an array per photo, as a flatMap did) lived long enough to reach the old generation.
 */
export function patchPages(
  data: InfiniteData<PhotoListResponse, string | undefined>,
  fresh: readonly PhotoListItem[],
  sort: PhotoSort,
  gone: readonly string[] = [],
): InfiniteData<PhotoListResponse, string | undefined> {
  const byId = new Map<string, PhotoListItem>();
  for (const p of fresh) byId.set(p.photoId, p);
  const drop = new Set(gone);
  const pages = data.pages.map((page) => {
    // Copied at the page's first change: the photos before it, then each one kept or replaced.
    let items: PhotoListItem[] | null = null;
    page.items.forEach((p, i) => {
      const next = drop.has(p.photoId) ? null : byId.get(p.photoId);
      if (next === undefined) {
        items?.push(p);
        return;
      }
      items ??= page.items.slice(0, i);
      if (next) {
        byId.delete(p.photoId);
        items.push(next);
      }
    });
    return items ? { ...page, items } : page;
  });
  const insertInto = (index: number): PhotoListItem[] => {
    const page = pages[index] as PhotoListResponse;
    if (page !== data.pages[index]) return page.items;
    const copy = { ...page, items: [...page.items] };
    pages[index] = copy;
    return copy.items;
  };
  const complete = pages.length === 0 || (pages.at(-1) as PhotoListResponse).nextCursor === null;
  for (const photo of byId.values()) {
    let placed = false;
    for (let index = 0; index < pages.length && !placed; index++) {
      const at = (pages[index] as PhotoListResponse).items.findIndex((p) => before(photo, p, sort));
      if (at >= 0) {
        insertInto(index).splice(at, 0, photo);
        placed = true;
      }
    }
    if (!placed && complete && pages.length > 0) insertInto(pages.length - 1).push(photo);
  }
  return { ...data, pages };
}
