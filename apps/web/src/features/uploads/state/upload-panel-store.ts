import { useStore } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";
import { createStore } from "zustand/vanilla";
import type { PanelTab } from "./panel-rows";

/**
 * The upload panel's own client state (STYLE §10: Zustand holds only client state). The tab and
 * the jobs someone cleared away survive a reload; where the panel was dragged to does not (the
 * window may be another size by then).
 */
export interface UploadPanelState {
  tab: PanelTab;
  minimized: boolean;
  /** Top-left corner in px once dragged; null = the default bottom-right corner. */
  position: { left: number; top: number } | null;
  /** Finished jobs cleared from the panel, so a reload does not bring them back. Newest last. */
  dismissedJobs: string[];
  /**
   * Rows cleared from the panel in this session (engine file ids and remote row keys); not kept
   * across a reload, where the dismissed jobs take over.
   */
  clearedRows: ReadonlySet<string>;
  /**
   * Completed photos cleared from jobs that also hold failed ones (remote row keys): the job stays
   * listed for its failed rows, so after a reload these keys keep its completed rows out of sight.
   */
  clearedPhotos: string[];
  /**
   * The key of the failed row whose full reason is open below the tabs, or null. Only the key: the
   * name and reason are read from the row's owner (engine or job view), so they never go stale.
   */
  openReason: string | null;
}

/** Enough for weeks of cleared jobs; the server only lists a day's worth anyway. */
const MAX_DISMISSED = 200;
/** A day of big batches' worth of cleared photos (the server lists a day of jobs). */
const MAX_CLEARED_PHOTOS = 5000;

export const uploadPanelStore = createStore<UploadPanelState>()(
  persist(
    () =>
      ({
        tab: "all",
        minimized: false,
        position: null,
        dismissedJobs: [],
        clearedRows: new Set(),
        clearedPhotos: [],
        openReason: null,
      }) as UploadPanelState,
    {
      name: "rapidphoto.upload-panel",
      storage: createJSONStorage(() => localStorage),
      partialize: ({ tab, dismissedJobs, clearedPhotos }) => ({ tab, dismissedJobs, clearedPhotos }),
      // The photos cleared before the reload start out of sight again.
      merge: (persisted, current) => {
        const saved = (persisted ?? {}) as Partial<UploadPanelState>;
        const clearedPhotos = Array.isArray(saved.clearedPhotos) ? saved.clearedPhotos : [];
        return { ...current, ...saved, clearedPhotos, clearedRows: new Set(clearedPhotos) };
      },
    },
  ),
);

export function useUploadPanel<T>(selector: (state: UploadPanelState) => T): T {
  return useStore(uploadPanelStore, selector);
}

export const setPanelTab = (tab: PanelTab) => uploadPanelStore.setState({ tab });
export const setPanelMinimized = (minimized: boolean) => uploadPanelStore.setState({ minimized });
export const setPanelPosition = (position: UploadPanelState["position"]) => uploadPanelStore.setState({ position });

/** Takes rows out of sight for the rest of the session. */
export function clearRows(keys: Iterable<string>): void {
  const clearedRows = new Set(uploadPanelStore.getState().clearedRows);
  for (const key of keys) clearedRows.add(key);
  uploadPanelStore.setState({ clearedRows });
}

/** Takes rows of finished photos out of sight for good (after a reload too). */
export function clearPhotosForGood(keys: readonly string[]): void {
  if (keys.length === 0) return;
  const clearedPhotos = [...uploadPanelStore.getState().clearedPhotos, ...keys].slice(-MAX_CLEARED_PHOTOS);
  uploadPanelStore.setState({ clearedPhotos });
  clearRows(keys);
}

/** A new upload session (another user, or after sign-in) starts with every row in sight but those cleared for good. */
export const resetClearedRows = () =>
  uploadPanelStore.setState((state) => ({ clearedRows: new Set(state.clearedPhotos), openReason: null }));

export const showReason = (openReason: UploadPanelState["openReason"]) => uploadPanelStore.setState({ openReason });

export function dismissJobs(jobIds: Iterable<string>): void {
  const known = new Set(uploadPanelStore.getState().dismissedJobs);
  const added = [...jobIds].filter((id) => !known.has(id));
  if (added.length === 0) return;
  const dismissedJobs = [...uploadPanelStore.getState().dismissedJobs, ...added].slice(-MAX_DISMISSED);
  uploadPanelStore.setState({ dismissedJobs });
}
