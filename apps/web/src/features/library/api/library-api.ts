import {
  DeleteResponse,
  PhotoDetail,
  PhotoListResponse,
  type PhotoSort,
  type PhotoView,
  RestoreResponse,
  TrashInfo,
  TrashResponse,
} from "@rapidphoto/protocol";
import { apiRequest } from "@/lib/api/client";
import { photoKeys } from "@/lib/api/photos";

/** One list of the library: which view, in what order, and the search text if any. */
export type PhotoListParams = { view: PhotoView; sort: PhotoSort; q?: string };

export const libraryKeys = {
  list: (p: PhotoListParams) => [...photoKeys.all, "list", p.view, p.sort, p.q ?? ""] as const,
  detail: (photoId: string) => [...photoKeys.all, "detail", photoId] as const,
  trashInfo: ["trash-info"] as const,
};

/** Photos per page: several screens of thumbnails, under the API's 200. */
export const PHOTO_PAGE_SIZE = 120;

export function fetchPhotoPage(token: string, p: PhotoListParams, cursor: string | undefined, signal?: AbortSignal) {
  const query = new URLSearchParams({ in: p.view, sort: p.sort, limit: String(PHOTO_PAGE_SIZE) });
  if (p.q) query.set("q", p.q);
  if (cursor) query.set("cursor", cursor);
  return apiRequest(`/queries/photos?${query}`, { token, signal, schema: PhotoListResponse });
}

/** Just these photos, as the list shows them (a refresh of what changed, not of every page). */
export function fetchPhotosByIds(token: string, p: PhotoListParams, ids: readonly string[], signal?: AbortSignal) {
  const query = new URLSearchParams({ in: p.view, sort: p.sort, ids: ids.join(",") });
  if (p.q) query.set("q", p.q);
  return apiRequest(`/queries/photos?${query}`, { token, signal, schema: PhotoListResponse });
}

export function fetchPhoto(token: string, photoId: string, signal?: AbortSignal) {
  return apiRequest(`/queries/photos/${encodeURIComponent(photoId)}`, { token, signal, schema: PhotoDetail });
}

/** How long Trash keeps a photo (the server's TRASH_RETENTION_DAYS). */
export function fetchTrashInfo(token: string, signal?: AbortSignal) {
  return apiRequest("/queries/trash", { token, signal, schema: TrashInfo });
}

const selection = (photoIds: readonly string[]) => ({ photoIds });

export const trashCommands = {
  trash: (token: string, photoIds: readonly string[]) =>
    apiRequest("/commands/photos/trash", { token, body: selection(photoIds), schema: TrashResponse }),
  restore: (token: string, photoIds: readonly string[]) =>
    apiRequest("/commands/photos/restore", { token, body: selection(photoIds), schema: RestoreResponse }),
  deleteForever: (token: string, photoIds: readonly string[]) =>
    apiRequest("/commands/photos/delete-forever", { token, body: selection(photoIds), schema: DeleteResponse }),
  emptyTrash: (token: string) => apiRequest("/commands/trash/empty", { token, body: {}, schema: DeleteResponse }),
};
