import type { PhotoListItem, PhotoListResponse } from "@rapidphoto/protocol";
import { type InfiniteData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { photoChanges } from "@/lib/api/photos";
import { useSession } from "@/lib/session/session-store";
import { fetchPhotoPage, fetchPhotosByIds, libraryKeys, type PhotoListParams } from "../api/library-api";
import { createChangedPhotosPatcher } from "../state/changed-photos-patcher";
import { patchPages } from "../state/patch-pages";
import { thumbnailArrivals } from "../state/thumbnail-arrivals";
import { keepThumbnails } from "../state/thumbnail-urls";

type Pages = InfiniteData<PhotoListResponse, string | undefined>;

/**
 * One list (library, Recent, Trash or a search), newest first, a page at a time. Returns only what
 * the page reads: TanStack Query re-renders for the fields read, and spreading its result reads them
 * all, so marking the lists stale once a second while uploads complete (UploadProvider) rendered the
 * page and grid again each time for nothing on screen.
 */
export function usePhotoList(params: PhotoListParams) {
  const token = useSession((state) => state.session?.token ?? null);
  const query = useInfiniteQuery({
    queryKey: libraryKeys.list(params),
    queryFn: ({ pageParam, signal }) => fetchPhotoPage(token as string, params, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: token !== null,
    // TanStack Query's structural sharing matches old and new data by array index: a photo patched
    // in at the top shifts every index, and each photo after it comes back as a new (equal) object,
    // which renders its memoized tile again. patchPages keeps every unchanged photo's object, by id;
    // a refetch or patch keeps the thumbnail URLs the list had while still good, and a photo with
    // nothing else changed keeps its object, by id too (thumbnail-urls.ts: no image reloads).
    structuralSharing: (old, fresh) => keepThumbnails(old as Pages | undefined, fresh as Pages),
  });
  usePatchChangedPhotos(params, token);
  const items = useMemo<PhotoListItem[]>(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return {
    items,
    isPending: query.isPending,
    isError: query.isError,
    error: query.error,
    refetch: query.refetch,
    hasNextPage: query.hasNextPage,
    isFetchingNextPage: query.isFetchingNextPage,
    fetchNextPage: query.fetchNextPage,
  };
}

/**
 * While uploads complete, fetch only the photos announced as changed and fold them into the pages
 * already loaded (a 10,000-photo library is not fetched again page by page every second). The
 * thumbnails of the photos drawn on screen are decoded before the patch lands (thumbnail-arrivals.ts),
 * so their tiles change once (changed-photos-patcher.ts: in the order announced).
 */
function usePatchChangedPhotos(params: PhotoListParams, token: string | null) {
  const queryClient = useQueryClient();
  const { view, sort, q } = params;
  useEffect(() => {
    if (!token) return;
    const list = { view, sort, ...(q ? { q } : {}) };
    const key = libraryKeys.list(list);
    const patcher = createChangedPhotosPatcher({
      loaded: () => queryClient.getQueryData(key) !== undefined,
      fetchByIds: async (photoIds) => (await fetchPhotosByIds(token, list, photoIds)).items,
      prepare: (photos) => thumbnailArrivals().prepare(drawnThumbnails(photos)),
      apply: (photos) =>
        queryClient.setQueryData<Parameters<typeof patchPages>[0]>(key, (data) =>
          data ? patchPages(data, photos, sort) : data,
        ),
      refetch: () => void queryClient.invalidateQueries({ queryKey: key }),
    });
    const unsubscribe = photoChanges.subscribe((photoIds) => {
      // One walk of the query cache for the lot: a call per photo walked it once per photo (twice, with
      // the refetch of active queries each call starts), every second while uploads complete.
      const changed = new Set(photoIds);
      void queryClient.invalidateQueries({ predicate: (query) => isDetailOf(query.queryKey, changed) });
      patcher.announce(photoIds);
    });
    return () => {
      patcher.stop();
      unsubscribe();
    };
  }, [queryClient, token, view, sort, q]);
}

/** The thumbnail URLs of those photos whose tile is on screen now. */
function drawnThumbnails(photos: readonly PhotoListItem[]): string[] {
  const arrivals = thumbnailArrivals();
  const urls: string[] = [];
  for (const photo of photos) if (photo.thumbnailUrl && arrivals.isDrawn(photo.photoId)) urls.push(photo.thumbnailUrl);
  return urls;
}

/** Whether `key` is the detail query of one of `photoIds` (libraryKeys.detail). */
function isDetailOf(key: readonly unknown[], photoIds: ReadonlySet<string>): boolean {
  const [root, kind] = libraryKeys.detail("");
  return key.length === 3 && key[0] === root && key[1] === kind && typeof key[2] === "string" && photoIds.has(key[2]);
}
