"use client";

import type { PhotoSort, PhotoView } from "@rapidphoto/protocol";
import { Clock, SearchX, Trash2 } from "lucide-react";
import { useSearchParams } from "next/navigation";
import { type ReactNode, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { EmptyState } from "@/components/library/EmptyState";
import { PageTitle } from "@/components/library/PageTitle";
import { buttonClass } from "@/components/ui/button-styles";
import { Spinner } from "@/components/ui/Spinner";
import { plural } from "@/lib/format";
import { useOpenPhoto } from "../hooks/use-open-photo";
import { usePhotoList } from "../hooks/use-photo-list";
import { useTrashActions } from "../hooks/use-trash-actions";
import { useTrashRetentionText } from "../hooks/use-trash-info";
import type { Grouping } from "../state/photo-groups";
import { PhotoGrid } from "./PhotoGrid";
import { PhotoViewer } from "./PhotoViewer";

const PAGES: Record<PhotoView, { title: string; sort: PhotoSort; grouping: Grouping }> = {
  library: { title: "My Files", sort: "taken", grouping: "month-taken" },
  recent: { title: "Recent", sort: "uploaded", grouping: "batch" },
  trash: { title: "Trash", sort: "trashed", grouping: "none" },
};

/** A library page (My Files, Recent, Trash): the windowed grid, selection, the viewer, search results. */
export function LibraryPage(props: { view: PhotoView; empty?: ReactNode }) {
  // useSearchParams needs a Suspense boundary in a static export.
  return (
    <Suspense fallback={<Busy />}>
      <LibraryPageContent {...props} />
    </Suspense>
  );
}

function LibraryPageContent({ view, empty }: { view: PhotoView; empty?: ReactNode }) {
  const params = useSearchParams();
  const q = view === "library" ? (params.get("q")?.trim() ?? "") : "";
  const page = PAGES[view];
  const list = usePhotoList({ view, sort: q ? "uploaded" : page.sort, ...(q ? { q } : {}) });
  const { items } = list;
  const actions = useTrashActions();
  const retention = useTrashRetentionText();
  const viewer = useOpenPhoto();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  // A selection only holds photos still listed (others were trashed, restored or deleted).
  useEffect(() => {
    setSelected((current) => {
      if (current.size === 0) return current;
      const listed = new Set(items.map((p) => p.photoId));
      const kept = [...current].filter((id) => listed.has(id));
      return kept.length === current.size ? current : new Set(kept);
    });
  }, [items]);

  const toggle = useCallback(
    (photoId: string) =>
      setSelected((current) => {
        const next = new Set(current);
        if (!next.delete(photoId)) next.add(photoId);
        return next;
      }),
    [],
  );
  const openIndex = viewer.photoId ? items.findIndex((p) => p.photoId === viewer.photoId) : -1;
  const neighbours = useMemo(
    () => (openIndex < 0 ? {} : { previous: items[openIndex - 1], next: items[openIndex + 1] }),
    [items, openIndex],
  );
  // Moving past the last loaded photo in the viewer loads the next page.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  useEffect(() => {
    if (openIndex >= 0 && openIndex >= items.length - 2 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [openIndex, items.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  /** After the open photo leaves this list, show its neighbour, or close. */
  const leaveViewer = useCallback(
    (photoId: string) => {
      const at = items.findIndex((p) => p.photoId === photoId);
      const target = items[at + 1] ?? items[at - 1];
      if (target) viewer.show(target.photoId);
      else viewer.close();
    },
    [items, viewer],
  );
  const ids = [...selected];

  return (
    <>
      <div className="mb-4 flex min-h-11 flex-wrap items-center gap-3">
        <PageTitle>{q ? `Results for “${q}”` : page.title}</PageTitle>
        <div className="ml-auto flex flex-wrap items-center gap-2" data-testid="library-toolbar">
          {selected.size > 0 ? (
            <>
              <span className="text-muted text-sm" aria-live="polite">
                {plural(selected.size, "photo")} selected
              </span>
              {view === "trash" ? (
                <>
                  <button
                    type="button"
                    className={buttonClass("secondary", "h-11")}
                    onClick={() => actions.restore.mutate(ids)}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    className={buttonClass("secondary", "h-11 text-danger")}
                    onClick={() => confirmDelete(ids.length) && actions.deleteForever.mutate(ids)}
                  >
                    Delete forever
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  className={buttonClass("secondary", "h-11")}
                  onClick={() => actions.trash.mutate(ids)}
                >
                  <Trash2 aria-hidden="true" className="size-4" />
                  Move to Trash
                </button>
              )}
              <button type="button" className={buttonClass("ghost", "h-11")} onClick={() => setSelected(new Set())}>
                Clear selection
              </button>
            </>
          ) : (
            view === "trash" &&
            items.length > 0 && (
              <button
                type="button"
                className={buttonClass("secondary", "h-11 text-danger")}
                onClick={() => confirmDelete(null) && actions.emptyTrash.mutate()}
              >
                Empty Trash
              </button>
            )
          )}
        </div>
      </div>
      {view === "trash" && items.length > 0 && retention && (
        <p className="mb-4 text-muted text-sm" data-testid="trash-retention">
          Photos in Trash are deleted forever after {retention}.
        </p>
      )}

      {list.isPending ? (
        <Busy />
      ) : list.isError && items.length === 0 ? (
        <div className="flex min-h-[320px] flex-col items-center justify-center gap-3 text-center">
          <p className="text-muted text-sm">We couldn't load your photos. {list.error?.message}</p>
          <button type="button" className={buttonClass("secondary")} onClick={() => list.refetch()}>
            Try again
          </button>
        </div>
      ) : items.length === 0 ? (
        q ? (
          <EmptyState icon={SearchX} title="No photos match">
            {`No file name contains “${q}”.`}
          </EmptyState>
        ) : view === "trash" ? (
          <EmptyState icon={Trash2} title="Trash is empty">
            {retention ? `Photos you delete show up here for ${retention}.` : "Photos you delete show up here."}
          </EmptyState>
        ) : view === "recent" ? (
          <EmptyState icon={Clock} title="Nothing uploaded recently">
            Photos you upload show up here, newest first.
          </EmptyState>
        ) : (
          empty
        )
      ) : (
        <PhotoGrid
          photos={items}
          grouping={q ? "none" : page.grouping}
          selected={selected}
          onOpen={viewer.open}
          onToggle={toggle}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          loadMore={loadMore}
        />
      )}

      {viewer.photoId && (
        <PhotoViewer
          photoId={viewer.photoId}
          neighbours={neighbours}
          onShow={viewer.show}
          onClose={viewer.close}
          actions={{
            inTrash: view === "trash",
            onTrash: (id) => actions.trash.mutate([id], { onSuccess: () => leaveViewer(id) }),
            onRestore: (id) => actions.restore.mutate([id], { onSuccess: () => leaveViewer(id) }),
            onDeleteForever: (id) =>
              confirmDelete(1) && actions.deleteForever.mutate([id], { onSuccess: () => leaveViewer(id) }),
          }}
        />
      )}
    </>
  );
}

function confirmDelete(count: number | null): boolean {
  const what = count === null ? "everything in Trash" : plural(count, "photo");
  return window.confirm(`Delete ${what} forever? This cannot be undone.`);
}

function Busy() {
  return (
    <div aria-busy="true" className="grid min-h-[420px] place-items-center">
      <Spinner className="size-6 text-accent" />
    </div>
  );
}
