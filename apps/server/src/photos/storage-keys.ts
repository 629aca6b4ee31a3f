/** Object keys are made here from ids only, never from anything a client sends. */
export const originalKey = (userId: string, photoId: string) => `u/${userId}/${photoId}/original`;
export const thumbnailKey = (userId: string, photoId: string, size: "small" | "large") =>
  `u/${userId}/${photoId}/thumb-${size}.webp`;
