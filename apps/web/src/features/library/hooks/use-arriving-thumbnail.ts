import { useEffect, useState } from "react";
import { thumbnailArrivals } from "../state/thumbnail-arrivals";

/**
 * The thumbnail a tile shows: the URL it was first drawn with at once, and one that arrives while it
 * is drawn (its photo became COMPLETED, or the URL was signed again) once it is decoded and revealed
 * with the others of its moment (thumbnail-arrivals.ts). Until then the tile keeps what it showed
 * (the "Processing…" face, or the previous URL of the same image). `decoded`: the image was decoded
 * ahead (the <img> need not wait to be near the screen: it takes the decoded image at once).
 */
export function useArrivingThumbnail(thumbnailUrl: string | null): { url: string | undefined; decoded: boolean } {
  const url = thumbnailUrl ?? undefined;
  const [shown, setShown] = useState({ url, decoded: false });
  useEffect(() => {
    if (url === undefined || url === shown.url) return;
    return thumbnailArrivals().whenReady(url, () => setShown({ url, decoded: true }));
  }, [url, shown.url]);
  return url === undefined ? { url: undefined, decoded: false } : shown;
}
