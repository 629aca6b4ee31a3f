/**
 * Thumbnail URLs are signed and change on every fetch of the list; reusing the first one while it
 * is still good keeps the browser's cached image and stops tiles from flickering when the list is
 * refreshed (which happens while uploads complete). The server signs them for an hour.
 */
const THUMBNAIL_REUSE_MS = 45 * 60 * 1000;
const thumbnails = new Map<string, { url: string; at: number }>();

export function stableThumbnail(photoId: string, url: string | null): string | null {
  if (!url) return null;
  const known = thumbnails.get(photoId);
  if (known && Date.now() - known.at < THUMBNAIL_REUSE_MS) return known.url;
  thumbnails.set(photoId, { url, at: Date.now() });
  return url;
}
