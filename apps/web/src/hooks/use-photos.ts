import { useInfiniteQuery } from "@tanstack/react-query";
import { fetchPhotos, photoKeys } from "@/lib/api/photos";
import { useSession } from "@/lib/session/session-store";

/** The library, newest first, a page at a time (`GET /queries/photos`, keyset cursor). */
export function usePhotos() {
  const token = useSession((state) => state.session?.token ?? null);
  return useInfiniteQuery({
    queryKey: photoKeys.list(),
    queryFn: ({ pageParam, signal }) => fetchPhotos(token as string, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: token !== null,
  });
}
