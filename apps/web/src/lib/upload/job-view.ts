import {
  type JobMessage,
  type JobSummary,
  type JobView,
  type PhotoMessage,
  type PushMessage,
  photoStatusRank,
} from "@rapidphoto/protocol";

/**
 * The job view (`GET /queries/upload-jobs/{jobId}`) and pushes, side by side: a fetched view is
 * turned into pushes so the engine merges it the way it merges everything else (forward only), and
 * pushes are folded into the cached view so components reading the query see them at once.
 */

/** The fetched state as pushes at the view's `seq`: one per photo, then the job's counts. */
export function pushesFromJobView(view: JobView): PushMessage[] {
  const timestamp = view.updatedAt;
  const photos: PhotoMessage[] = view.photos.map((p) => ({
    type: "photo",
    jobId: view.jobId,
    photoId: p.photoId,
    status: p.status,
    progressPercent: p.progressPercent,
    bytesSent: Math.round((p.bytes * p.progressPercent) / 100),
    bytesTotal: p.bytes,
    ...(p.errorMessage ? { errorMessage: p.errorMessage } : {}),
    seq: view.seq,
    timestamp,
  }));
  const job: JobMessage = {
    type: "job",
    jobId: view.jobId,
    status: view.status,
    totalCount: view.totalCount,
    queuedCount: view.queuedCount,
    uploadingCount: view.uploadingCount,
    processingCount: view.processingCount,
    completedCount: view.completedCount,
    failedCount: view.failedCount,
    cancelledCount: view.cancelledCount,
    seq: view.seq,
    timestamp,
  };
  return [...photos, job];
}

/**
 * The cached view after a push. Only the photo the push is about gets a new object, so a row that
 * selects its own photo re-renders only for its own changes. A photo moves backwards only when the
 * push is newer than anything the view holds (a retry: FAILED → QUEUED).
 */
export function applyPushToJobView(view: JobView, message: PushMessage): JobView {
  if (message.jobId !== view.jobId) return view;
  if (message.type === "job") {
    if (message.seq < view.seq) return view;
    return withJobMessage(view, message);
  }
  const index = view.photos.findIndex((p) => p.photoId === message.photoId);
  const photo = view.photos[index];
  if (!photo) return view;
  const newer = message.seq > view.seq;
  const forward = photoStatusRank(message.status) > photoStatusRank(photo.status);
  const same = message.status === photo.status;
  if (!forward && !same && !newer) return view;
  const progressPercent = same ? Math.max(photo.progressPercent, message.progressPercent) : message.progressPercent;
  const errorMessage = message.status === "FAILED" ? (message.errorMessage ?? photo.errorMessage) : null;
  if (same && progressPercent === photo.progressPercent && errorMessage === photo.errorMessage) {
    return message.seq > view.seq ? { ...view, seq: message.seq } : view;
  }
  const photos = view.photos.slice();
  photos[index] = { ...photo, status: message.status, progressPercent, errorMessage };
  return { ...view, photos, seq: Math.max(view.seq, message.seq) };
}

/** A job (summary or full view) with the status, counts and `seq` of a job push. */
export function withJobMessage<T extends JobSummary>(job: T, message: JobMessage): T {
  const { type: _type, timestamp, jobId: _jobId, ...counts } = message;
  return { ...job, ...counts, updatedAt: timestamp };
}

/** What to cache after a fetch: the fetched view, unless pushes already took the cache past it. */
export function newerJobView(cached: JobView | undefined, fetched: JobView): JobView {
  return cached && cached.seq > fetched.seq ? cached : fetched;
}
