"use client";

import type { PhotoListItem } from "@rapidphoto/protocol";
import { Check, Hourglass, ImageOff } from "lucide-react";
import { memo } from "react";
import { useArrivingThumbnail } from "../hooks/use-arriving-thumbnail";

/**
 * The icons every tile draws, made once: React skips rendering an element it was handed again, so a
 * tile rendered for its photo or selection does not render these (and lucide's inner component) too.
 */
const PROCESSING_ICON = <Hourglass aria-hidden="true" className="size-5 text-accent" />;
const FAILED_ICON = <ImageOff aria-hidden="true" className="size-6" />;
const CHECK_ICON = <Check aria-hidden="true" className="size-4" />;

type TileProps = {
  photo: PhotoListItem;
  selected: boolean;
  selecting: boolean;
  onOpen(photoId: string): void;
  onToggle(photoId: string): void;
};

/**
 * One photo in the grid: a button that opens the viewer (Enter or click), and a check box to select
 * it. While something is selected, a click on the tile selects instead of opening. Its props say
 * nothing of where it sits (the grid's cell holds its index), so a photo arriving ahead of it does not
 * render it again: only a tile whose photo or selection changed renders.
 */
export const PhotoTile = memo(function PhotoTile({ photo, selected, selecting, onOpen, onToggle }: TileProps) {
  // Kept from fetch to fetch while still good (thumbnail-urls.ts), so a refetch does not reload the
  // image; one arriving while the tile is drawn shows once decoded, with the others arriving with it.
  const { url, decoded } = useArrivingThumbnail(photo.photoId, photo.thumbnailUrl);
  return (
    <div
      data-testid="photo-tile"
      data-status={photo.status}
      data-selected={selected || undefined}
      className={`group relative aspect-square overflow-hidden rounded-lg border bg-raised ${
        selected ? "border-accent ring-2 ring-accent" : "border-line"
      }`}
    >
      <button
        type="button"
        data-open-photo
        aria-label={`${photo.filename}${selected ? " (selected)" : ""}`}
        onClick={() => (selecting ? onToggle(photo.photoId) : onOpen(photo.photoId))}
        className="block size-full focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-accent focus-visible:ring-inset"
      >
        {url ? (
          // biome-ignore lint/performance/noImgElement: a static export has no image optimiser; thumbnails come sized.
          <img
            src={url}
            alt=""
            loading={decoded ? "eager" : "lazy"}
            decoding="async"
            className={`size-full object-cover ${selected ? "scale-90 rounded-md" : ""} transition-transform`}
          />
        ) : photo.status === "FAILED" ? (
          <span className="flex size-full flex-col items-center justify-center gap-2 p-3 text-center text-danger text-xs">
            {FAILED_ICON}
            Couldn't process
          </span>
        ) : (
          // A still icon, not a spinner: hundreds of tiles can be processing at once, and every
          // spinning SVG costs a style recalc and a repaint on the main thread every frame.
          <span className="flex size-full flex-col items-center justify-center gap-2 text-subtle text-xs">
            {PROCESSING_ICON}
            Processing…
          </span>
        )}
        <span className="absolute inset-x-0 bottom-0 truncate bg-gradient-to-t from-black/80 to-transparent px-2 pt-6 pb-1.5 text-left text-white text-xs opacity-0 transition-opacity group-focus-within:opacity-100 group-hover:opacity-100">
          {photo.filename}
        </span>
      </button>
      <label
        className={`absolute top-0 left-0 grid size-11 cursor-pointer place-items-center has-[:focus-visible]:opacity-100 ${
          selecting || selected ? "opacity-100" : "opacity-0 group-hover:opacity-100"
        }`}
      >
        <input
          type="checkbox"
          checked={selected}
          onChange={() => onToggle(photo.photoId)}
          aria-label={`Select ${photo.filename}`}
          className="peer sr-only"
        />
        <span
          className={`grid size-6 place-items-center rounded-full border-2 peer-focus-visible:ring-2 peer-focus-visible:ring-accent peer-focus-visible:ring-offset-2 ${
            selected ? "border-accent bg-accent text-white" : "border-white/90 bg-black/40 text-transparent"
          }`}
        >
          {CHECK_ICON}
        </span>
      </label>
    </div>
  );
});
