import type { JobMessage, JobPhotoRow, JobView, PhotoMessage } from "../src/index.js";
import { countPhotos } from "../src/index.js";

/**
 * `@rapidphoto/protocol/testing`: builders of the protocol's messages and views for tests of every
 * holder (engine, web, server), so each test states only what it is about. Defaults are one photo
 * of 100 bytes in job `job_aaaaaaaaaaaa`, uploading, at `seq` 1, at the epoch.
 */

export const TEST_JOB_ID = "job_aaaaaaaaaaaa";
export const TEST_PHOTO_ID = "ph_aaaaaaaaaaaa";
const EPOCH = new Date(0).toISOString();

/** A photo push. */
export function photoPush(patch: Partial<PhotoMessage> = {}): PhotoMessage {
  return {
    type: "photo",
    jobId: TEST_JOB_ID,
    photoId: TEST_PHOTO_ID,
    status: "UPLOADING",
    progressPercent: 0,
    bytesSent: 0,
    bytesTotal: 100,
    seq: 1,
    timestamp: EPOCH,
    ...patch,
  };
}

/** A job push: one photo uploading unless the patch says otherwise. */
export function jobPush(patch: Partial<JobMessage> = {}): JobMessage {
  return {
    type: "job",
    jobId: TEST_JOB_ID,
    status: "IN_PROGRESS",
    totalCount: 1,
    queuedCount: 0,
    uploadingCount: 1,
    processingCount: 0,
    completedCount: 0,
    failedCount: 0,
    cancelledCount: 0,
    seq: 1,
    timestamp: EPOCH,
    ...patch,
  };
}

/** One photo's row of a job view. */
export function jobViewPhoto(patch: Partial<JobPhotoRow> = {}): JobPhotoRow {
  return {
    photoId: TEST_PHOTO_ID,
    clientId: "f_1",
    filename: "a.jpg",
    bytes: 100,
    status: "UPLOADING",
    progressPercent: 0,
    errorMessage: null,
    ...patch,
  };
}

/**
 * A fetched job view. Its counts and total bytes follow its photos (one default photo) unless the
 * patch sets them, so a view is consistent without spelling out seven counts.
 */
export function jobView(patch: Partial<JobView> = {}): JobView {
  const photos = patch.photos ?? [jobViewPhoto()];
  return {
    jobId: TEST_JOB_ID,
    status: "IN_PROGRESS",
    seq: 1,
    ...countPhotos(photos),
    totalBytes: photos.reduce((sum, p) => sum + p.bytes, 0),
    photos,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    ...patch,
  };
}
