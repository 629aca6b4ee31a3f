import { MAX_IDS_PER_QUERY, type PhotoListItem } from "@rapidphoto/protocol";

/** What the patcher works with: one list's query cache, its fetch by ids, and the thumbnails' gate. */
export type PatcherParts = {
  /** Whether the list is loaded at all: an unloaded list has nothing to patch. */
  loaded(): boolean;
  /** The photos of `photoIds` as this list shows them; rejects when the request fails. */
  fetchByIds(photoIds: readonly string[]): Promise<readonly PhotoListItem[]>;
  /** Settles once the thumbnails these photos' tiles will show are ready (ThumbnailArrivals.prepare). */
  prepare(photos: readonly PhotoListItem[]): Promise<void>;
  /** Folds the photos into the pages loaded (patchPages). */
  apply(photos: readonly PhotoListItem[]): void;
  /** A patch could not be made: the list is fetched again instead. */
  refetch(): void;
};

/**
 * Fetches the photos announced as changed and folds them into one loaded list, MAX_IDS_PER_QUERY at a
 * time. Patches land one after another in the order announced: one waiting for its thumbnails never
 * lets a later, fresher answer be overwritten by its older one. A failed fetch or a patch that throws
 * leaves the list to be fetched again, and the patches after it go on. After `stop` nothing lands.
 */
export function createChangedPhotosPatcher(parts: PatcherParts): {
  announce(photoIds: readonly string[]): void;
  stop(): void;
} {
  let stopped = false;
  let landed: Promise<void> = Promise.resolve();

  const patch = async (photoIds: readonly string[]) => {
    if (!parts.loaded()) return;
    for (let i = 0; i < photoIds.length; i += MAX_IDS_PER_QUERY) {
      const fresh = await parts.fetchByIds(photoIds.slice(i, i + MAX_IDS_PER_QUERY)).catch(() => null);
      if (stopped) return;
      if (!fresh) {
        parts.refetch();
        return;
      }
      await parts.prepare(fresh);
      if (stopped) return;
      parts.apply(fresh);
    }
  };

  return {
    announce(photoIds) {
      landed = landed.then(() => patch(photoIds)).catch(() => parts.refetch());
    },
    stop() {
      stopped = true;
    },
  };
}
