import { STAGING_PREFIX } from "../storage/storage.js";

/** Object keys are made here from ids only, never from anything a client sends. */
export const originalKey = (userId: string, photoId: string) => `u/${userId}/${photoId}/original`;
export const thumbnailKey = (userId: string, photoId: string, size: "small" | "large") =>
  `u/${userId}/${photoId}/thumb-${size}.webp`;
/**
 * Where a photo's bytes arrive before finalize: every signed upload URL (PUT or part) names this key,
 * never the original's. Finalize moves the object to `originalKey`, so a URL still valid afterwards
 * can only write here, where nobody reads (DESIGN §7, originals are write-once). Under its own
 * prefix so an S3 lifecycle rule can expire strays.
 */
export const stagingKey = (userId: string, photoId: string) => `${STAGING_PREFIX}${userId}/${photoId}`;
