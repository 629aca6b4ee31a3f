/**
 * The photo library's query keys, shared by the library feature (which owns the lists) and the
 * upload feature (which refreshes them when photos reach the library). The query client is cleared
 * when the session ends (SessionSync), so the keys need no token in them.
 */
export const photoKeys = {
  all: ["photos"] as const,
};

type Listener = (photoIds: readonly string[]) => void;
const listeners = new Set<Listener>();

/**
 * Photos that changed in the library (uploads reaching it, processing finishing): the upload
 * feature announces them, the library feature fetches just those and patches its loaded pages,
 * instead of every loaded page being fetched again.
 */
export const photoChanges = {
  announce(photoIds: readonly string[]): void {
    for (const listener of listeners) listener(photoIds);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
