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
 */
export function patchPages(
  data: InfiniteData<PhotoListResponse, string | undefined>,
  fresh: readonly PhotoListItem[],
  sort: PhotoSort,
  gone: readonly string[] = [],
): InfiniteData<PhotoListResponse, string | undefined> {
  const byId = new Map(fresh.map((p) => [p.photoId, p]));
  const drop = new Set(gone);
  const pages = data.pages.map((page) => ({
    ...page,
    items: page.items.flatMap((p) => {
      if (drop.has(p.photoId)) return [];
      const next = byId.get(p.photoId);
      if (!next) return [p];
      byId.delete(p.photoId);
      return [next];
    }),
  }));
  const lastPage = pages.at(-1);
  const complete = !lastPage || lastPage.nextCursor === null;
  for (const photo of byId.values()) {
    let placed = false;
    for (const page of pages) {
      const at = page.items.findIndex((p) => before(photo, p, sort));
      if (at >= 0) {
        page.items.splice(at, 0, photo);
        placed = true;
        break;
      }
    }
    if (!placed && complete && lastPage) lastPage.items.push(photo);
  }
  return { ...data, pages };
}
