import { PhotoListResponse } from "@rapidphoto/protocol";
import { apiRequest } from "./client";

/**
 * The photo library (`GET /queries/photos`). The upload feature invalidates these keys when photos
 * reach the library. The query client is cleared when the session ends (SessionSync), so the keys
 * need no token in them.
 */
export const photoKeys = {
  all: ["photos"] as const,
  list: () => ["photos", "list"] as const,
};

/** Photos per library page: about four screens of thumbnails, well under the API's 200. */
export const PHOTO_PAGE_SIZE = 60;

export function fetchPhotos(token: string, cursor: string | undefined, signal?: AbortSignal) {
  const query = new URLSearchParams({ limit: String(PHOTO_PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  return apiRequest(`/queries/photos?${query}`, { token, signal, schema: PhotoListResponse });
}
