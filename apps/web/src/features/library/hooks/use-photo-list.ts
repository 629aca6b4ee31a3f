import type { PhotoListItem } from "@rapidphoto/protocol";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useSession } from "@/lib/session/session-store";
import { fetchPhotoPage, libraryKeys, type PhotoListParams } from "../api/library-api";

/** One list (library, Recent, Trash or a search), newest first, a page at a time. */
export function usePhotoList(params: PhotoListParams) {
  const token = useSession((state) => state.session?.token ?? null);
  const query = useInfiniteQuery({
    queryKey: libraryKeys.list(params),
    queryFn: ({ pageParam, signal }) => fetchPhotoPage(token as string, params, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: token !== null,
  });
  const items = useMemo<PhotoListItem[]>(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, items };
}
