import { openUploadStateDb, StatePersistence, type Uploader } from "@rapidphoto/uploader";
import { type FileHandle, isFileHandle } from "./file-handles";
import { holdTabLock, liveTabKeys, newTabKey } from "./tab-liveness";

/**
 * The engine's state kept across pages for one signed-in user in one tab: this tab's record in
 * IndexedDB, the files of tabs that are gone taken over and restored into the engine (without
 * their bytes), and the file handles that came with them.
 */
export type UploadPersistence = {
  /** Handles of files this tab holds or restored, by engine file id: what "Resume" reads again. */
  readonly handles: Map<string, FileHandle>;
  /** A handle arrived for a file (a drop resolves its handles after the files were added). */
  keepHandle(fileId: string, handle: FileHandle): void;
  stop(): void;
};

export async function startUploadPersistence(
  uploader: Uploader,
  userId: string,
  signal: AbortSignal,
): Promise<UploadPersistence | null> {
  const db = await openUploadStateDb();
  if (!db) return null;
  if (signal.aborted) {
    db.close();
    return null;
  }
  const tabKey = newTabKey();
  // Held before looking at other tabs' records, so a tab opening at the same moment sees us alive.
  const release = await holdTabLock(tabKey);
  /** Lets the lock go (another tab may take this tab's record over) and closes the database. */
  const close = () => {
    release();
    db.close();
  };
  const handles = new Map<string, FileHandle>();
  let persistence: StatePersistence | null = null;
  try {
    const restored = await db.adoptOrphans(userId, tabKey, await liveTabKeys());
    if (signal.aborted) {
      // The session ended meanwhile: give the files back by letting the lock go with the record.
      close();
      return null;
    }
    for (const file of restored) if (isFileHandle(file.handle)) handles.set(file.id, file.handle);
    uploader.restore(restored);
    persistence = new StatePersistence({
      store: uploader.store,
      db,
      userId,
      tabKey,
      handleOf: (id) => handles.get(id),
    });
  } catch (error) {
    console.warn("Uploads from an earlier page could not be restored:", error);
    close();
    return null;
  }
  // The last changes before a reload or close: written while the page still runs. A selection
  // still being added in slices is recorded in full first, so none of it is left out of the record,
  // and nothing new is registered with the server (its answer would reach no page). A page kept in
  // the back/forward cache and shown again goes on.
  const onHide = () => {
    uploader.finishAdding({ register: false });
    void persistence?.flush();
  };
  const onShow = (event: PageTransitionEvent) => {
    if (event.persisted) uploader.start();
  };
  window.addEventListener("pagehide", onHide);
  window.addEventListener("pageshow", onShow);
  return {
    handles,
    keepHandle(fileId, handle) {
      handles.set(fileId, handle);
      persistence?.markDirty(fileId);
    },
    stop() {
      window.removeEventListener("pagehide", onHide);
      window.removeEventListener("pageshow", onShow);
      void (persistence?.stop() ?? Promise.resolve()).finally(close);
    },
  };
}
