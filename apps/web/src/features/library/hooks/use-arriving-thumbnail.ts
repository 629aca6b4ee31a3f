import { useEffect, useState } from "react";
import { thumbnailArrivals } from "../state/thumbnail-arrivals";

/**
 * The thumbnail a tile shows: the URL it was first drawn with at once, and one that arrives while it
 * is drawn (its photo became COMPLETED, or the URL was signed again) once it is decoded and revealed
 * with the others of its moment (thumbnail-arrivals.ts). Until then the tile keeps what it showed
 * (the "Processing…" face, or the previous URL of the same image). `decoded`: the image was decoded
 * ahead (the <img> need not wait to be near the screen: it takes the decoded image at once).
 * While drawn, the tile marks its photo as drawn, so a patch decodes its thumbnail before landing.
 */
export function useArrivingThumbnail(
  photoId: string,
  thumbnailUrl: string | null,
): { url: string | undefined; decoded: boolean } {
  const url = thumbnailUrl ?? undefined;
  const [shown, setShown] = useState({ url, decoded: false });
  const arrivals = thumbnailArrivals();
  // Decoded before the patch that brought it landed (prepare): shown in this render. Setting state
  // while rendering makes React render the tile again at once, before anything is committed.
  if (url !== undefined && url !== shown.url && arrivals.isPrepared(url)) setShown({ url, decoded: true });
  useEffect(() => arrivals.drawn(photoId), [arrivals, photoId]);
  useEffect(() => {
    if (url === undefined || url === shown.url) return;
    return arrivals.whenReady(url, () => setShown({ url, decoded: true }));
  }, [arrivals, url, shown.url]);
  return url === undefined ? { url: undefined, decoded: false } : shown;
}
