/**
 * The photo library's query keys, shared by the library feature (which owns the lists) and the
 * upload feature (which refreshes them when photos reach the library). The query client is cleared
 * when the session ends (SessionSync), so the keys need no token in them.
 */
export const photoKeys = {
  all: ["photos"] as const,
};
