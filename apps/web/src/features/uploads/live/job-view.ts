import {
  foldJob,
  foldPhoto,
  type JobPhotoRow,
  type JobView,
  type PhotoMessage,
  type PushMessage,
} from "@rapidphoto/protocol";

/**
 * Pushes folded into a cached job view (`GET /queries/upload-jobs/{jobId}`) with the protocol's
 * folds, so components reading the query see them at once.
 */

/**
 * The cached view after a push. Only the photo the push is about gets a new object, so a row that
 * selects its own photo re-renders only for its own changes. A photo moves backwards only when the
 * push is newer than anything the view holds (a retry: FAILED → QUEUED).
 */
export function applyPushToJobView(view: JobView, message: PushMessage): JobView {
  if (message.jobId !== view.jobId) return view;
  if (message.type === "job") return foldJob(view, message);
  const index = view.photos.findIndex((p) => p.photoId === message.photoId);
  const photo = view.photos[index];
  if (!photo) return view;
  const folded = foldPhoto(photo, message, message.seq > view.seq);
  const next = withWaitingForFile(folded, message, message.seq >= view.seq);
  const seq = Math.max(view.seq, message.seq);
  if (next === photo) return seq > view.seq ? { ...view, seq } : view;
  const photos = view.photos.with(index, next);
  return { ...view, photos, seq };
}

/**
 * Whether the photo waits for someone to pick its file again. The server says so in the push that
 * announces a lapsed sender lease; any other push about the photo, at least as new as the view,
 * means a client is on it again (it sends, or the photo moved on). An older push changes nothing.
 */
function withWaitingForFile(photo: JobPhotoRow, message: PhotoMessage, current: boolean): JobPhotoRow {
  if (!current) return photo;
  const waitingForFile = message.waitingForFile === true;
  if ((photo.waitingForFile ?? false) === waitingForFile) return photo;
  return { ...photo, waitingForFile };
}

/** What to cache after a fetch: the fetched view, unless pushes already took the cache past it. */
export function newerJobView(cached: JobView | undefined, fetched: JobView): JobView {
  return cached && cached.seq > fetched.seq ? cached : fetched;
}
