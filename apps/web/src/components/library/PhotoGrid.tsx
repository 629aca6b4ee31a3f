"use client";

import type { PhotoListItem } from "@rapidphoto/protocol";
import { ImageOff } from "lucide-react";
import { memo, useEffect, useRef } from "react";
import { Spinner } from "@/components/ui/Spinner";

/**
 * Thumbnail URLs are signed and change on every fetch of the list; reusing the first one while it
 * is still good keeps the browser's cached image and stops tiles from flickering when the list is
 * refreshed (which happens while uploads complete). The server signs them for an hour.
 */
const THUMBNAIL_REUSE_MS = 45 * 60 * 1000;
const thumbnails = new Map<string, { url: string; at: number }>();

function stableThumbnail(photoId: string, url: string | null): string | null {
  if (!url) return null;
  const known = thumbnails.get(photoId);
  if (known && Date.now() - known.at < THUMBNAIL_REUSE_MS) return known.url;
  thumbnails.set(photoId, { url, at: Date.now() });
  return url;
}

/** The library as a grid of square thumbnails, loading the next page as its end scrolls into view. */
export function PhotoGrid({
  photos,
  hasMore,
  loadingMore,
  loadMore,
}: {
  photos: readonly PhotoListItem[];
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
}) {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasMore) return;
    // Start loading a little before the end is visible, so scrolling rarely waits.
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !loadingMore) loadMore();
      },
      { rootMargin: "600px 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, loadMore]);

  return (
    <section aria-label="Photos" data-testid="photo-grid">
      <ul className="grid grid-cols-[repeat(auto-fill,minmax(150px,1fr))] gap-3">
        {photos.map((photo) => (
          <li key={photo.photoId}>
            <PhotoTile photo={photo} />
          </li>
        ))}
      </ul>
      <div ref={sentinel} className="flex h-16 items-center justify-center">
        {loadingMore && <Spinner className="size-5 text-accent" />}
        {hasMore && !loadingMore && (
          <button type="button" onClick={loadMore} className="text-muted text-sm hover:text-fg">
            Load more
          </button>
        )}
      </div>
    </section>
  );
}

const PhotoTile = memo(
  function PhotoTile({ photo }: { photo: PhotoListItem }) {
    const url = stableThumbnail(photo.photoId, photo.thumbnailUrl);
    return (
      <figure
        data-testid="photo-tile"
        data-status={photo.status}
        className="group relative aspect-square overflow-hidden rounded-lg border border-line bg-raised"
      >
        {url ? (
          // biome-ignore lint/performance/noImgElement: a static export has no image optimiser; thumbnails come sized.
          <img
            src={url}
            alt={photo.filename}
            loading="lazy"
            decoding="async"
            width={photo.width ?? undefined}
            height={photo.height ?? undefined}
            className="size-full object-cover"
          />
        ) : photo.status === "FAILED" ? (
          <div className="flex size-full flex-col items-center justify-center gap-2 p-3 text-center text-danger text-xs">
            <ImageOff aria-hidden="true" className="size-6" />
            Couldn't process
          </div>
        ) : (
          <div className="flex size-full flex-col items-center justify-center gap-2 text-subtle text-xs">
            <Spinner className="size-5 text-accent" />
            Processing…
          </div>
        )}
        <figcaption className="absolute inset-x-0 bottom-0 truncate bg-gradient-to-t from-black/80 to-transparent px-2 pt-6 pb-1.5 text-white text-xs opacity-0 transition-opacity group-hover:opacity-100">
          {photo.filename}
        </figcaption>
      </figure>
    );
  },
  (a, b) =>
    a.photo.photoId === b.photo.photoId &&
    a.photo.status === b.photo.status &&
    (a.photo.thumbnailUrl === null) === (b.photo.thumbnailUrl === null),
);
