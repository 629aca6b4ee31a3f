import { createJob } from "./create-job.js";
import { createFinalize } from "./finalize-upload.js";
import { announceLapsedLeases } from "./lease-lapse.js";
import { cancelJob, cancelPhoto, retryPhoto } from "./upload-cancel.js";
import { createUploadContext, type UploadServiceDeps } from "./upload-context.js";
import { expireStaleUploads } from "./upload-expiry.js";
import { holdPhotos } from "./upload-hold.js";
import { reportProgress } from "./upload-progress.js";
import { sign, signParts } from "./upload-signing.js";

export type { UploadServiceDeps };
export type UploadService = ReturnType<typeof createUploadService>;

/**
 * The upload commands (DESIGN §4), each in a file of its own: create a job, sign, report progress,
 * finalize, cancel, retry, the expiry of abandoned uploads and the announcement of lapsed sender
 * leases. Every status change goes through photos/photo-transitions.ts.
 */
export function createUploadService(deps: UploadServiceDeps) {
  const ctx = createUploadContext(deps);
  const { finalize, finalizeMany } = createFinalize(ctx);
  return {
    createJob: createJob.bind(null, ctx),
    signParts: signParts.bind(null, ctx),
    sign: sign.bind(null, ctx),
    finalize,
    finalizeMany,
    reportProgress: reportProgress.bind(null, ctx),
    holdPhotos: holdPhotos.bind(null, ctx),
    cancelPhoto: cancelPhoto.bind(null, ctx),
    cancelJob: cancelJob.bind(null, ctx),
    retryPhoto: retryPhoto.bind(null, ctx),
    expireStaleUploads: expireStaleUploads.bind(null, ctx),
    announceLapsedLeases: announceLapsedLeases.bind(null, ctx),
  };
}
