"use client";

import type { PhotoListItem } from "@rapidphoto/protocol";
import { useQuery } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, Download, RotateCcw, Trash2, X, ZoomIn, ZoomOut } from "lucide-react";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { Spinner } from "@/components/ui/Spinner";
import { formatBytes } from "@/lib/format";
import { useSession } from "@/lib/session/session-store";
import { fetchPhoto, libraryKeys } from "../api/library-api";

// A horizontal swipe longer than this (and mostly horizontal) moves to the next or previous photo.
const SWIPE_PX = 50;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" });

export type ViewerActions = {
  inTrash: boolean;
  onTrash(photoId: string): void;
  onRestore(photoId: string): void;
  onDeleteForever(photoId: string): void;
};

const UNDISPLAYABLE_TYPES = new Set(["image/heic", "image/heif", "image/tiff"]);

/**
 * The photo large: the 1024 px rendition first, the original when zoomed (or downloaded), with its
 * name, size, dimensions, date taken and camera. ←/→ and swipes move, Esc closes (Back too: the
 * URL names the open photo).
 */
export function PhotoViewer({
  photoId,
  neighbours,
  onShow,
  onClose,
  actions,
}: {
  photoId: string;
  /** The photos before and after this one in the list, when known. */
  neighbours: { previous?: PhotoListItem; next?: PhotoListItem };
  onShow(photoId: string): void;
  onClose(): void;
  actions: ViewerActions;
}) {
  const token = useSession((state) => state.session?.token ?? null);
  const detail = useQuery({
    queryKey: libraryKeys.detail(photoId),
    queryFn: ({ signal }) => fetchPhoto(token as string, photoId, signal),
    enabled: token !== null,
  });
  // Zoom belongs to one photo: moving to the next shows it fitted again.
  const [zoomedPhoto, setZoomedPhoto] = useState<string | null>(null);
  const zoomed = zoomedPhoto === photoId;
  const dialog = useRef<HTMLDivElement>(null);
  const swipe = useRef<{ x: number; y: number } | null>(null);
  const { previous, next } = neighbours;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => opener?.focus?.();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
      else if (event.key === "ArrowLeft" && previous) onShow(previous.photoId);
      else if (event.key === "ArrowRight" && next) onShow(next.photoId);
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose, onShow, previous, next]);

  const photo = detail.data;
  const exif = (photo?.exif ?? {}) as Record<string, unknown>;
  const camera = [exif.Make, exif.Model].filter((v) => typeof v === "string" && v).join(" ");
  // Only Safari decodes HEIC/HEIF, and no browser shows TIFF: for those the WebP rendition is all
  // there is to show (the original stays one click away, as a download).
  const original = photo && !UNDISPLAYABLE_TYPES.has(photo.mimeType) ? photo.downloadUrl : null;
  const src = zoomed ? (original ?? photo?.thumbnails.large) : (photo?.thumbnails.large ?? original);

  return (
    <div
      ref={dialog}
      role="dialog"
      aria-modal="true"
      aria-label={photo?.filename ?? "Photo"}
      tabIndex={-1}
      data-testid="photo-viewer"
      className="fixed inset-0 z-50 flex flex-col bg-black text-white focus:outline-none"
      onTouchStart={(e) => {
        const t = e.touches[0];
        swipe.current = t ? { x: t.clientX, y: t.clientY } : null;
      }}
      onTouchEnd={(e) => {
        const start = swipe.current;
        const t = e.changedTouches[0];
        swipe.current = null;
        if (!start || !t || zoomed) return;
        const dx = t.clientX - start.x;
        if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < Math.abs(t.clientY - start.y)) return;
        const target = dx < 0 ? next : previous;
        if (target) onShow(target.photoId);
      }}
    >
      <div className="flex h-14 shrink-0 items-center gap-1 px-2">
        <ViewerButton label="Close" onClick={onClose}>
          <X className="size-5" />
        </ViewerButton>
        <p className="min-w-0 flex-1 truncate px-2 font-medium text-sm" data-testid="viewer-filename">
          {photo?.filename ?? ""}
        </p>
        <ViewerButton
          label={zoomed ? "Fit to screen" : "Zoom to original"}
          onClick={() => setZoomedPhoto(zoomed ? null : photoId)}
        >
          {zoomed ? <ZoomOut className="size-5" /> : <ZoomIn className="size-5" />}
        </ViewerButton>
        {photo?.downloadUrl && (
          <a
            href={photo.downloadUrl}
            download={photo.filename}
            aria-label="Download original"
            title="Download original"
            className="grid size-11 place-items-center rounded-lg hover:bg-white/10"
          >
            <Download aria-hidden="true" className="size-5" />
          </a>
        )}
        {actions.inTrash ? (
          <>
            <ViewerButton label="Restore" onClick={() => actions.onRestore(photoId)}>
              <RotateCcw className="size-5" />
            </ViewerButton>
            <ViewerButton label="Delete forever" onClick={() => actions.onDeleteForever(photoId)}>
              <Trash2 className="size-5 text-danger" />
            </ViewerButton>
          </>
        ) : (
          <ViewerButton label="Move to Trash" onClick={() => actions.onTrash(photoId)}>
            <Trash2 className="size-5" />
          </ViewerButton>
        )}
      </div>

      <div className={`relative min-h-0 flex-1 ${zoomed ? "overflow-auto" : "flex items-center justify-center"}`}>
        {detail.isPending ? (
          <Spinner className="size-8 text-accent" />
        ) : detail.isError ? (
          <p className="p-6 text-center text-sm">{detail.error.message}</p>
        ) : src ? (
          // biome-ignore lint/performance/noImgElement: signed storage URLs, no image optimiser in a static export.
          <img
            key={src}
            src={src}
            alt={photo?.filename ?? ""}
            data-testid="viewer-image"
            data-source={zoomed ? "original" : "large"}
            className={zoomed ? "max-w-none" : "max-h-full max-w-full object-contain"}
          />
        ) : (
          <p className="p-6 text-center text-sm">{photo?.errorMessage ?? "This photo has no preview."}</p>
        )}
        {previous && (
          <ViewerButton
            label="Previous photo"
            onClick={() => onShow(previous.photoId)}
            className="absolute top-1/2 left-2"
          >
            <ChevronLeft className="size-6" />
          </ViewerButton>
        )}
        {next && (
          <ViewerButton label="Next photo" onClick={() => onShow(next.photoId)} className="absolute top-1/2 right-2">
            <ChevronRight className="size-6" />
          </ViewerButton>
        )}
      </div>

      {photo && (
        <dl
          data-testid="viewer-info"
          className="grid shrink-0 grid-cols-2 gap-x-6 gap-y-1 px-4 py-3 text-xs sm:flex sm:flex-wrap sm:justify-center"
        >
          <Info term="Size">{formatBytes(photo.bytes)}</Info>
          <Info term="Dimensions">{photo.width && photo.height ? `${photo.width} × ${photo.height}` : "—"}</Info>
          <Info term="Taken">{photo.takenAt ? dateFormat.format(new Date(photo.takenAt)) : "Unknown"}</Info>
          <Info term="Camera">{camera || "Unknown"}</Info>
        </dl>
      )}
    </div>
  );
}

function Info({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="flex gap-2">
      <dt className="text-white/60">{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function ViewerButton({
  label,
  onClick,
  className = "",
  children,
}: {
  label: string;
  onClick(): void;
  className?: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={onClick}
      className={`grid size-11 shrink-0 place-items-center rounded-lg hover:bg-white/10 ${className}`}
    >
      {children}
    </button>
  );
}
