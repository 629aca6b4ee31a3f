import type { PhotoListItem, PhotoListResponse } from "@rapidphoto/protocol";
import type { InfiniteData } from "@tanstack/react-query";

/**
 * Thumbnail URLs are signed and change on every fetch of the list; keeping the one the list already
 * had while it is still good keeps the browser's cached image and stops tiles from flickering when
 * the list is refetched or patched (which happens while uploads complete). The URL is kept in the
 * list's own photo objects, not in a map beside them: nothing outlives the list, and each photo holds
 * one URL.
 */

/** A kept URL is given up for the fresh one once it has less than this left (the server signs for an hour). */
const MIN_LEFT_MS = 15 * 60 * 1000;

type Pages = InfiniteData<PhotoListResponse, string | undefined>;

/**
 * `fresh` with each photo's thumbnail URL from `old` where it is for the same object and still good;
 * a photo that differs in nothing else is `old`'s object itself (matched by id, so a memoized tile
 * is not rendered again when a refetch or a photo patched in at the top shifts the list).
 */
export function keepThumbnails(old: Pages | undefined, fresh: Pages, now = Date.now()): Pages {
  if (!old) return fresh;
  const known = new Map<string, PhotoListItem>();
  for (const page of old.pages) for (const p of page.items) if (p.thumbnailUrl) known.set(p.photoId, p);
  if (known.size === 0) return fresh;
  const pages = fresh.pages.map((page) => {
    let kept = false;
    const items = page.items.map((p) => {
      const before = known.get(p.photoId);
      const url = before?.thumbnailUrl;
      if (!before || !url || !p.thumbnailUrl || !(url === p.thumbnailUrl || stillGood(url, p.thumbnailUrl, now)))
        return p;
      if (p === before) return p;
      kept = true;
      return sameButUrl(before, p) ? before : { ...p, thumbnailUrl: url };
    });
    return kept ? { ...page, items } : page;
  });
  return { ...fresh, pages };
}

function sameButUrl(a: PhotoListItem, b: PhotoListItem): boolean {
  for (const key in b) {
    if (key === "thumbnailUrl") continue;
    if (!Object.is(a[key as keyof PhotoListItem], b[key as keyof PhotoListItem])) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}

function stillGood(url: string, fresh: string, now: number): boolean {
  const expires = expiresAt(url);
  return expires !== null && expires - now >= MIN_LEFT_MS && withoutQuery(url) === withoutQuery(fresh);
}

const withoutQuery = (url: string) => url.split("?", 1)[0];

/**
 * When a signed URL stops working (ms), from its query: the disk storage's `expires` (seconds), or
 * S3's `X-Amz-Date` plus `X-Amz-Expires`. Null for a URL of neither kind: it is never kept.
 */
export function expiresAt(url: string): number | null {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return null;
  }
  const expires = Number(query.get("expires"));
  if (query.has("expires") && Number.isFinite(expires)) return expires * 1000;
  const date = query.get("X-Amz-Date")?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  const seconds = Number(query.get("X-Amz-Expires"));
  if (!date || !query.has("X-Amz-Expires") || !Number.isFinite(seconds)) return null;
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + seconds * 1000;
}
