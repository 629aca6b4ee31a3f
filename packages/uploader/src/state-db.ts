import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import {
  chunkKey,
  PERSIST_CHUNK_FILES,
  type PersistedFile,
  parseTabRecord,
  STATE_VERSION,
  type TabRecord,
} from "./persisted-state.js";

/**
 * The engine's state in IndexedDB: per tab that uploads (a key the tab made up when it opened), its
 * files in chunks, one record each (`tabs`, keyed `${tab}#${chunk}`; persisted-state.ts). A tab
 * writes only its own records; when a tab is gone (reloaded, crashed, closed) the next tab of the
 * same user takes its records over in one transaction, so a file is never held by two tabs nor lost
 * between them.
 */

export const STATE_DB_NAME = "rapidphoto-uploads";

/** The database's schema version (object stores), not the records' (STATE_VERSION). */
const DB_VERSION = 1;

interface StateSchema extends DBSchema {
  tabs: { key: string; value: TabRecord };
}

/**
 * One write of a tab's files: each chunk given replaces the stored chunk of that number, and a chunk
 * given with no files is removed. With `replace`, every other chunk of the tab is removed as well
 * (the write is the tab's whole record).
 */
export type TabWrite = {
  tab: string;
  userId: string;
  savedAt: number;
  chunks: ReadonlyMap<number, readonly PersistedFile[]>;
  replace: boolean;
};

export interface UploadStateDb {
  /** Writes chunks of this tab's record (TabWrite), in one transaction. */
  write(change: TabWrite): Promise<void>;
  /** Removes every chunk of a tab's record. */
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
 * (private browsing, a newer schema from a later version of the app) or where a tab of an older
 * version holds it open while this one's schema needs an upgrade: uploads then simply do not survive
 * the page. Never left waiting: the page's restore (and what waits for it) settles either way.
 * `version` is the schema's, given only by tests.
 */
export async function openUploadStateDb(name = STATE_DB_NAME, version = DB_VERSION): Promise<UploadStateDb | null> {
  if (typeof indexedDB === "undefined") return null;
  let yielded = false;
  const yieldToNewer = () => {
    yielded = true;
    console.warn("Upload state is no longer kept across reloads: a newer version of the app opened in another tab.");
  };
  let db: IDBPDatabase<StateSchema> | null;
  try {
    db = await openUnlessBlocked(name, version, yieldToNewer);
  } catch (error) {
    console.warn("Upload state cannot be kept across reloads here:", error);
    return null;
  }
  if (!db) return null;
  return stateDb(db, () => yielded);
}

/**
 * The database, or null once its upgrade is blocked by a connection another tab keeps open (an
 * upgrade waits until that tab closes, which may be never); a connection that opens after all is
 * closed again at once. The other way round, this page's connection is closed as soon as a newer
 * version of the app asks to upgrade (`onYield`): the newer tab keeps its uploads across reloads,
 * this one stops saving.
 */
function openUnlessBlocked(
  name: string,
  version: number,
  onYield: () => void,
): Promise<IDBPDatabase<StateSchema> | null> {
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    openDB<StateSchema>(name, version, {
      upgrade(database) {
        if (!database.objectStoreNames.contains("tabs")) database.createObjectStore("tabs", { keyPath: "tabKey" });
      },
      blocking(_current, _newer, event) {
        onYield();
        (event.target as IDBDatabase).close();
      },
      blocked() {
        gaveUp = true;
        console.warn("Upload state cannot be kept across reloads until the app's other tabs are reloaded.");
        resolve(null);
      },
    }).then((db) => {
      if (gaveUp) db.close();
      else resolve(db);
    }, reject);
  });
}

/** The database's operations; once `yielded` (closed for a newer version), each does nothing. */
function stateDb(db: IDBPDatabase<StateSchema>, yielded: () => boolean): UploadStateDb {
  /** Every record of a tab: its chunks, and a record from before chunks under the tab's own key. */
  const ofTab = (tab: string) => [IDBKeyRange.bound(`${tab}#`, `${tab}#\uffff`), tab] as const;
  return {
    async write({ tab, userId, savedAt, chunks, replace }) {
      if (yielded()) return;
      const tx = db.transaction("tabs", "readwrite");
      const requests: Promise<unknown>[] = [];
      if (replace) for (const key of ofTab(tab)) requests.push(tx.store.delete(key));
      for (const [chunk, files] of chunks) {
        const tabKey = chunkKey(tab, chunk);
        requests.push(
          files.length === 0
            ? tx.store.delete(tabKey)
            : tx.store.put({ tabKey, tab, chunk, userId, version: STATE_VERSION, savedAt, files: [...files] }),
        );
      }
      // Committed at once rather than when this task ends: a write made on pagehide is otherwise
      // still waiting to commit when the page is torn down, and is lost with it.
      tx.commit();
      await Promise.all([...requests, tx.done]);
    },
    async remove(tabKey) {
      if (yielded()) return;
      const tx = db.transaction("tabs", "readwrite");
      await Promise.all([...ofTab(tabKey).map((key) => tx.store.delete(key)), tx.done]);
    },
    async adoptOrphans(userId, tabKey, alive) {
      if (yielded()) return [];
      const tx = db.transaction("tabs", "readwrite");
      /** Per gone tab (in the order met), its chunks' files by chunk number. */
      const orphans = new Map<string, Map<number, PersistedFile[]>>();
      let ownLast = -1;
      for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
        const raw = cursor.value as unknown as { userId?: unknown; tab?: unknown; tabKey?: unknown; chunk?: unknown };
        if ((raw?.tab ?? raw?.tabKey) === tabKey) {
          ownLast = Math.max(ownLast, typeof raw.chunk === "number" ? raw.chunk : 0);
          continue;
        }
        if (raw?.userId !== undefined && raw.userId !== userId) continue; // another user's: not ours to judge
        const record = parseTabRecord(cursor.value, userId);
        const tab = record ? (record.tab ?? record.tabKey) : null;
        if (tab !== null && alive.has(tab)) continue;
        if (record && tab !== null) {
          const chunks = orphans.get(tab) ?? new Map<number, PersistedFile[]>();
          orphans.set(tab, chunks.set(record.chunk ?? 0, record.files));
        }
        await cursor.delete();
      }
      // Keys sort as strings ("#10" before "#2"): a tab's files in the order of its chunks' numbers.
      const adopted = [...orphans.values()].flatMap((chunks) =>
        [...chunks].sort(([a], [b]) => a - b).flatMap(([, files]) => files),
      );
      const savedAt = Date.now();
      for (let i = 0, chunk = ownLast + 1; i < adopted.length; i += PERSIST_CHUNK_FILES, chunk++) {
        const files = adopted.slice(i, i + PERSIST_CHUNK_FILES);
        await tx.store.put({
          tabKey: chunkKey(tabKey, chunk),
          tab: tabKey,
          chunk,
          userId,
          version: STATE_VERSION,
          savedAt,
          files,
        });
      }
      await tx.done;
      return adopted;
    },
    close() {
      db.close(); // closing an already closed connection (one yielded) does nothing
    },
  };
}
