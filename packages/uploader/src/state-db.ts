import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import { type PersistedFile, parseTabRecord, STATE_VERSION, type TabRecord } from "./persisted-state.js";

/**
 * The engine's state in IndexedDB: one record per tab that uploads (`tabs`, keyed by a key the tab
 * made up when it opened). A tab writes only its own record; when a tab is gone (reloaded, crashed,
 * closed) the next tab of the same user takes its record over in one transaction, so a file is
 * never held by two tabs nor lost between them.
 */

export const STATE_DB_NAME = "rapidphoto-uploads";

/** The database's schema version (object stores), not the records' (STATE_VERSION). */
const DB_VERSION = 1;

interface StateSchema extends DBSchema {
  tabs: { key: string; value: TabRecord };
}

export interface UploadStateDb {
  /** Replaces this tab's record. */
  save(record: TabRecord): Promise<void>;
  remove(tabKey: string): Promise<void>;
  /**
   * Takes over every record of `userId` whose tab is not alive: their files are returned and, in
   * the same transaction, saved as `tabKey`'s and deleted from the old records. Corrupt or
   * outdated records are dropped with a console note.
   */
  adoptOrphans(userId: string, tabKey: string, alive: ReadonlySet<string>): Promise<PersistedFile[]>;
  close(): void;
}

/**
 * Opens the database, or returns null (with a console note) where IndexedDB is missing or refuses
 * (private browsing, a newer schema from a later version of the app): uploads then simply do not
 * survive the page.
 */
export async function openUploadStateDb(name = STATE_DB_NAME): Promise<UploadStateDb | null> {
  if (typeof indexedDB === "undefined") return null;
  let db: IDBPDatabase<StateSchema>;
  try {
    db = await openDB<StateSchema>(name, DB_VERSION, {
      upgrade(database) {
        if (!database.objectStoreNames.contains("tabs")) database.createObjectStore("tabs", { keyPath: "tabKey" });
      },
    });
  } catch (error) {
    console.warn("Upload state cannot be kept across reloads here:", error);
    return null;
  }
  return {
    async save(record) {
      // Committed at once rather than when this task ends: a save made on pagehide is otherwise
      // still waiting to commit when the page is torn down, and is lost with it.
      const tx = db.transaction("tabs", "readwrite");
      void tx.store.put(record);
      tx.commit();
      await tx.done;
    },
    async remove(tabKey) {
      await db.delete("tabs", tabKey);
    },
    async adoptOrphans(userId, tabKey, alive) {
      const tx = db.transaction("tabs", "readwrite");
      const adopted: PersistedFile[] = [];
      let own: TabRecord | null = null;
      for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
        if (cursor.key === tabKey) {
          own = parseTabRecord(cursor.value, userId);
          continue;
        }
        const raw = cursor.value as unknown as { userId?: unknown };
        if (raw?.userId !== undefined && raw.userId !== userId) continue; // another user's: not ours to judge
        const record = parseTabRecord(cursor.value, userId);
        if (record && alive.has(record.tabKey)) continue;
        if (record) adopted.push(...record.files);
        await cursor.delete();
      }
      if (adopted.length > 0) {
        const files = [...(own?.files ?? []), ...adopted];
        await tx.store.put({ tabKey, userId, version: STATE_VERSION, savedAt: Date.now(), files });
      }
      await tx.done;
      return adopted;
    },
    close() {
      db.close();
    },
  };
}
