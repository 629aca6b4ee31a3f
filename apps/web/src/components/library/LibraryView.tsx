"use client";

import { type ReactNode, useMemo } from "react";
import { buttonClass } from "@/components/ui/button-styles";
import { Spinner } from "@/components/ui/Spinner";
import { usePhotos } from "@/hooks/use-photos";
import { EmptyLibrary } from "./EmptyLibrary";
import { PhotoGrid } from "./PhotoGrid";

/** The photo grid once there are photos; until then, the empty library with `emptyAction` (its Upload button). */
export function LibraryView({ emptyAction }: { emptyAction: ReactNode }) {
  const photos = usePhotos();
  const items = useMemo(() => photos.data?.pages.flatMap((page) => page.items) ?? [], [photos.data]);

  if (photos.isPending) {
    return (
      <div aria-busy="true" className="grid min-h-[420px] place-items-center">
        <Spinner className="size-6 text-accent" />
      </div>
    );
  }
  if (photos.isError && items.length === 0) {
    return (
      <div className="flex min-h-[320px] flex-col items-center justify-center gap-3 text-center">
        <p className="text-muted text-sm">We couldn't load your photos. {photos.error.message}</p>
        <button type="button" className={buttonClass("secondary")} onClick={() => photos.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (items.length === 0) return <EmptyLibrary action={emptyAction} />;
  return (
    <PhotoGrid
      photos={items}
      hasMore={photos.hasNextPage}
      loadingMore={photos.isFetchingNextPage}
      loadMore={() => void photos.fetchNextPage()}
    />
  );
}
