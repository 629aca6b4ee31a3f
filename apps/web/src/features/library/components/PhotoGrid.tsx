"use client";

import type { PhotoListItem } from "@rapidphoto/protocol";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type KeyboardEvent, memo, type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Spinner } from "@/components/ui/Spinner";
import { isGridKey, moveInGrid } from "../state/grid-keys";
import { type Grouping, layoutRows } from "../state/photo-groups";
import { PhotoTile } from "./PhotoTile";

const GAP_PX = 12;
const HEADING_PX = 48;
// Phones get smaller tiles so three fit across 390 px; desktops about 150 px.
const MIN_TILE_PX = { narrow: 100, wide: 150 };
// Rows drawn beyond the screen each way: enough for a fast flick without blank tiles.
const OVERSCAN_ROWS = 4;

/** The element that scrolls the page (the shell's <main>). */
const scrollParent = () => document.getElementById("main");

/**
 * The grid, windowed: only the rows on screen (and a few beyond) are in the DOM, whatever the size
 * of the library, with a heading per group (month taken, or upload batch). The next page loads as
 * its end comes near. Memoized: the page around it renders for more than the list (the viewer, the
 * selection's toolbar).
 */
export const PhotoGrid = memo(function PhotoGrid({
  photos,
  grouping,
  selected,
  onOpen,
  onToggle,
  hasMore,
  loadingMore,
  loadMore,
}: {
  photos: readonly PhotoListItem[];
  grouping: Grouping;
  selected: ReadonlySet<string>;
  onOpen(photoId: string): void;
  onToggle(photoId: string): void;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [offset, setOffset] = useState(0);
  useLayoutEffect(() => {
    const element = container.current;
    if (!element) return;
    const measure = () => {
      setWidth(element.clientWidth);
      const parent = scrollParent();
      if (parent) {
        const top = element.getBoundingClientRect().top - parent.getBoundingClientRect().top + parent.scrollTop;
        setOffset(top);
      }
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const minTile = width < 640 ? MIN_TILE_PX.narrow : MIN_TILE_PX.wide;
  const columns = Math.max(2, Math.floor((width + GAP_PX) / (minTile + GAP_PX)));
  const tile = width ? (width - GAP_PX * (columns - 1)) / columns : minTile;
  const rows = useMemo(() => layoutRows(photos, grouping, columns), [photos, grouping, columns]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: scrollParent,
    estimateSize: (i) => (rows[i]?.kind === "heading" ? HEADING_PX : tile + GAP_PX),
    overscan: OVERSCAN_ROWS,
    scrollMargin: offset,
    getItemKey: (i) => rows[i]?.key ?? i,
  });
  // Tile sizes change with the width: measure again rather than keep stale row heights. Not when only
  // the rows change (a patch a second while uploads complete): no row is measured from the DOM, and
  // every render hands the virtualizer a new getItemKey, which makes it lay the rows out again from
  // estimateSize; measuring as well would draw the whole grid a second time for each patch.
  // biome-ignore lint/correctness/useExhaustiveDependencies: tile is the reason to measure again
  useEffect(() => {
    virtualizer.measure();
  }, [virtualizer, tile]);

  const items = virtualizer.getVirtualItems();
  const lastShown = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastShown >= rows.length - OVERSCAN_ROWS * 2) loadMore();
  }, [hasMore, loadingMore, lastShown, rows.length, loadMore]);

  // Arrow keys move the focus between tiles; a tile out of view is scrolled in (drawn), then focused.
  const [focusTarget, setFocusTarget] = useState<number | null>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const target = event.target as HTMLElement;
    const from = target.matches("[data-open-photo]")
      ? target.closest<HTMLElement>("[data-photo-index]")?.dataset.photoIndex
      : undefined;
    if (from === undefined || !isGridKey(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const to = moveInGrid(rows, Number(from), event.key);
    if (!to) return;
    virtualizer.scrollToIndex(to.row, { align: "auto" });
    setFocusTarget(to.index);
  };
  useEffect(() => {
    if (focusTarget === null) return;
    const tile = container.current?.querySelector<HTMLElement>(`[data-photo-index="${focusTarget}"] [data-open-photo]`);
    if (!tile) return; // not drawn yet: the next render (after the scroll) tries again
    tile.focus({ preventScroll: true });
    tile.scrollIntoView({ block: "nearest" });
    setFocusTarget(null);
  });

  // Every tile drawn is a child of one list, keyed by its photo and placed by a transform: when
  // photos arrive at the top while uploads complete, the tiles already drawn only move (a new
  // transform), where rows keyed by their first photo would all be rebuilt, images and all. Each is
  // square and sized here, so it is contained: a thumbnail arriving lays out that tile alone (no
  // paint containment: a selected tile's ring is drawn outside its box).
  const headings: ReactNode[] = [];
  const tiles: ReactNode[] = [];
  for (const item of items) {
    const row = rows[item.index];
    if (!row) continue;
    const top = item.start - offset;
    if (row.kind === "heading") {
      headings.push(
        <div
          key={item.key}
          data-row="heading"
          className="absolute inset-x-0 top-0"
          style={{ transform: `translateY(${top}px)`, height: item.size }}
        >
          <h2 className="flex h-full items-end pb-3 font-semibold text-fg text-sm">
            {row.label}
            <span className="ml-2 font-normal text-subtle">{row.count}</span>
          </h2>
        </div>,
      );
      continue;
    }
    row.photos.forEach((photo, i) => {
      tiles.push(
        <li
          key={photo.photoId}
          data-photo-index={row.firstIndex + i}
          className="absolute top-0 left-0 contain-size contain-layout contain-style"
          style={{ width: tile, height: tile, transform: `translate(${i * (tile + GAP_PX)}px, ${top}px)` }}
        >
          <PhotoTile
            photo={photo}
            selected={selected.has(photo.photoId)}
            selecting={selected.size > 0}
            onOpen={onOpen}
            onToggle={onToggle}
          />
        </li>,
      );
    });
  }

  return (
    <section
      aria-label="Photos"
      data-testid="photo-grid"
      data-columns={columns}
      data-count={photos.length}
      onKeyDown={onKeyDown}
    >
      <div ref={container} style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {headings}
        <ul className="absolute inset-0">{tiles}</ul>
      </div>
      <div className="flex h-16 items-center justify-center">
        {loadingMore && <Spinner className="size-5 text-accent" />}
        {hasMore && !loadingMore && (
          <button type="button" onClick={loadMore} className="h-11 px-4 text-muted text-sm hover:text-fg">
            Load more
          </button>
        )}
      </div>
    </section>
  );
});
