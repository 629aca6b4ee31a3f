import { changedFiles } from "./files-delta.js";
import { isKept, type PersistedFile, STATE_VERSION, toPersisted } from "./persisted-state.js";
import type { UploadStateDb } from "./state-db.js";
import type { FileState, UploadState, UploadStore } from "./store.js";

/**
 * How long changes are collected before one write. Progress alone never causes a write (bytes are
 * not what a resume needs: storage tells which parts it holds); a status, id or stored part does,
 * and a burst of them (a thousand files registered at once) becomes one write.
 */
export const DEFAULT_PERSIST_DELAY_MS = 500;

/**
 * A write puts the whole record (every file kept), which IndexedDB clones on the main thread: the
 * wait before a write grows with the record, so writes cost the same share of the page's time at
 * any selection size (10,000 files kept: one write every 2.5 s at most, not every 0.5 s). What a
 * crash can lose grows likewise; a reload or close writes at once (pagehide).
 */
export const PERSIST_DELAY_MS_PER_FILE = 0.25;

/** How long changes are collected before a write, with `keptFiles` in the record. */
export function persistDelayMs(keptFiles: number, baseMs = DEFAULT_PERSIST_DELAY_MS): number {
  return Math.max(baseMs, keptFiles * PERSIST_DELAY_MS_PER_FILE);
}

export type StatePersistenceOptions = {
  store: UploadStore;
  db: UploadStateDb;
  userId: string;
  tabKey: string;
  delayMs?: number;
  /** A persistent file handle for a file, kept with it (see `PersistedFile.handle`). */
  handleOf?: (fileId: string) => unknown;
  onError?: (error: unknown) => void;
};

/**
 * Keeps this tab's record in IndexedDB in step with the engine's store: the files that still have
 * bytes to send, written in batches. Finished files leave the record with the next write.
 */
export class StatePersistence {
  readonly #o: StatePersistenceOptions;
  /**
   * Per file: the state object last projected, its stored form, and that form as a string with the
   * bytes left out, to spot real changes cheaply. A write takes the stored forms from here.
   */
  readonly #seen = new Map<string, { state: FileState; persisted: PersistedFile; key: string }>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> | null = null;
  #dirty = false;
  #stopped = false;
  /** The files object last looked at: the next look reads only what changed since (changedFiles). */
  #looked: UploadState["files"] | null = null;
  readonly #unsubscribe: () => void;

  constructor(options: StatePersistenceOptions) {
    this.#o = options;
    this.#unsubscribe = options.store.subscribe((state, previous) => {
      if (state.files !== previous.files) this.#schedule();
    });
    this.#schedule();
  }

  /** Something outside the store changed what is kept (a handle arrived). */
  markDirty(): void {
    this.#dirty = true;
    this.#schedule();
  }

  /** Writes now if anything changed; resolves when the record is on disk. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#writing) await this.#writing;
    const files = this.#collect();
    if (!files) return;
    const record = {
      tabKey: this.#o.tabKey,
      userId: this.#o.userId,
      version: STATE_VERSION,
      savedAt: Date.now(),
      files,
    };
    this.#writing = this.#o.db
      .save(record as Parameters<UploadStateDb["save"]>[0])
      .catch((error: unknown) => (this.#o.onError ?? console.warn)(error))
      .finally(() => {
        this.#writing = null;
      });
    await this.#writing;
  }

  /** Stops writing (the last changes are written first). */
  async stop(): Promise<void> {
    this.#unsubscribe();
    await this.flush();
    this.#stopped = true;
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => void this.flush(), persistDelayMs(this.#seen.size, this.#o.delayMs));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** The files to keep, or null when nothing that matters changed since the last write. */
  #collect(): PersistedFile[] | null {
    const { files, order } = this.#o.store.getState();
    const changedIds = this.#looked ? changedFiles(this.#looked, files) : null;
    this.#looked = files;
    let changed = this.#dirty;
    if (changedIds) {
      // Only the files the store's flushes changed: a new kept one joins at the end, as in `order`.
      for (const id of changedIds) if (this.#look(id, files[id])) changed = true;
    } else {
      const ids = new Set<string>();
      for (const id of order) {
        const file = files[id];
        if (!file || !isKept(file)) continue;
        ids.add(id);
        if (this.#look(id, file)) changed = true;
      }
      for (const id of this.#seen.keys()) if (!ids.has(id) && this.#look(id, undefined)) changed = true;
    }
    this.#dirty = false;
    if (!changed) return null;
    return [...this.#seen].map(([id, { persisted }]) => {
      const handle = this.#o.handleOf?.(id);
      return handle === undefined ? persisted : { ...persisted, handle };
    });
  }

  /** Brings one file's entry up to date; true when what is kept of it changed (it came, went or moved on). */
  #look(id: string, file: FileState | undefined): boolean {
    const seen = this.#seen.get(id);
    if (!file || !isKept(file)) return this.#seen.delete(id);
    if (seen?.state === file) return false; // a row object is replaced only when the file changed
    const persisted = toPersisted(file);
    const key = projectionKey(persisted);
    this.#seen.set(id, { state: file, persisted, key });
    return seen?.key !== key;
  }
}

/** What a resume needs, as a comparable string: everything kept but the bytes sent. */
function projectionKey(persisted: PersistedFile): string {
  const { bytesSent: _bytes, ...rest } = persisted;
  return JSON.stringify(rest);
}
