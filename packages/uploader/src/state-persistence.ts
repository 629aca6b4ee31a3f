import { changedFiles } from "./files-delta.js";
import { isKept, PERSIST_CHUNK_FILES, type PersistedFile, toPersisted } from "./persisted-state.js";
import type { UploadStateDb } from "./state-db.js";
import type { FileState, UploadState, UploadStore } from "./store.js";

/**
 * How long changes are collected before one write. Progress alone never causes a write (bytes are
 * not what a resume needs: storage tells which parts it holds); a status, id or stored part does,
 * and a burst of them (a thousand files registered at once) becomes one write. A write puts only
 * the chunks whose files changed (persisted-state.ts), so its cost follows the changes, not the
 * selection's size, and the wait need not grow with the record; a reload or close writes at once
 * (pagehide).
 */
export const DEFAULT_PERSIST_DELAY_MS = 500;

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

type Seen = { state: FileState; persisted: PersistedFile; key: string; seq: number };

/**
 * Keeps this tab's record in IndexedDB in step with the engine's store: the files that still have
 * bytes to send, written in batches. Finished files leave the record with the next write.
 *
 * Each kept file has a place (`seq`, counted up as files are first kept, so in the order added) and
 * its chunk is `seq / PERSIST_CHUNK_FILES`: a write rewrites the chunks holding a file that came,
 * went or moved on since the last write, and removes chunks left empty. The first write of a
 * StatePersistence (and `markDirty()` without a file) replaces the tab's whole record.
 */
export class StatePersistence {
  readonly #o: StatePersistenceOptions;
  /**
   * Per kept file: the state object last projected, its stored form, that form as a string with the
   * bytes left out (to spot real changes cheaply), and its place. A write takes the stored forms from here.
   */
  readonly #seen = new Map<string, Seen>();
  /** Per chunk, the ids kept in it, in the order of their places (a file joins a chunk once, at its end). */
  readonly #chunks = new Map<number, Set<string>>();
  #nextSeq = 0;
  /** Chunks to write with the next write. */
  readonly #dirtyChunks = new Set<number>();
  /** The next write replaces the whole record. */
  #whole = true;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> | null = null;
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

  /**
   * Something outside the store changed what is kept: a handle arrived for `fileId` (its chunk is
   * written again), or, without a file, for any (the whole record is).
   */
  markDirty(fileId?: string): void {
    const seen = fileId === undefined ? undefined : this.#seen.get(fileId);
    if (seen) this.#dirtyChunks.add(chunkOf(seen.seq));
    else if (fileId === undefined) this.#whole = true;
    this.#schedule();
  }

  /** Writes now if anything changed; resolves when the record is on disk. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#writing) await this.#writing;
    this.#collect();
    if (!this.#whole && this.#dirtyChunks.size === 0) return;
    const replace = this.#whole;
    const numbers = replace ? [...this.#chunks.keys()] : [...this.#dirtyChunks];
    const chunks = new Map<number, PersistedFile[]>();
    for (const chunk of numbers) chunks.set(chunk, this.#filesOf(chunk));
    for (const chunk of numbers) if (this.#chunks.get(chunk)?.size === 0) this.#chunks.delete(chunk);
    this.#whole = false;
    this.#dirtyChunks.clear();
    this.#writing = this.#o.db
      .write({ tab: this.#o.tabKey, userId: this.#o.userId, savedAt: Date.now(), chunks, replace })
      .catch((error: unknown) => {
        // Not on disk: written again with the next write, whole (which chunks made it is unknown).
        this.#whole = true;
        (this.#o.onError ?? console.warn)(error);
      })
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
    this.#timer = setTimeout(() => void this.flush(), this.#o.delayMs ?? DEFAULT_PERSIST_DELAY_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** One chunk's files as stored, in the order of their places, each with its handle when there is one. */
  #filesOf(chunk: number): PersistedFile[] {
    const files: PersistedFile[] = [];
    for (const id of this.#chunks.get(chunk) ?? []) {
      const persisted = this.#seen.get(id)?.persisted;
      if (!persisted) continue;
      const handle = this.#o.handleOf?.(id);
      files.push(handle === undefined ? persisted : { ...persisted, handle });
    }
    return files;
  }

  /** Brings the kept files up to date with the store, marking the chunks whose files changed. */
  #collect(): void {
    const { files, order } = this.#o.store.getState();
    const changedIds = this.#looked ? changedFiles(this.#looked, files) : null;
    this.#looked = files;
    if (changedIds) {
      // Only the files the store's flushes changed: a new kept one joins at the end, as in `order`.
      for (const id of changedIds) this.#look(id, files[id]);
      return;
    }
    const ids = new Set<string>();
    for (const id of order) {
      const file = files[id];
      if (!file || !isKept(file)) continue;
      ids.add(id);
      this.#look(id, file);
    }
    for (const id of [...this.#seen.keys()]) if (!ids.has(id)) this.#look(id, undefined);
  }

  /** Brings one file's entry up to date; marks its chunk when what is kept of it changed (it came, went or moved on). */
  #look(id: string, file: FileState | undefined): void {
    const seen = this.#seen.get(id);
    if (!file || !isKept(file)) {
      if (!seen) return;
      this.#seen.delete(id);
      const chunk = chunkOf(seen.seq);
      this.#chunks.get(chunk)?.delete(id);
      this.#dirtyChunks.add(chunk);
      return;
    }
    if (seen?.state === file) return; // a row object is replaced only when the file changed
    const persisted = toPersisted(file);
    const key = projectionKey(persisted);
    const seq = seen?.seq ?? this.#nextSeq++;
    this.#seen.set(id, { state: file, persisted, key, seq });
    if (seen?.key === key) return;
    const chunk = chunkOf(seq);
    if (!seen) {
      const members = this.#chunks.get(chunk) ?? new Set<string>();
      this.#chunks.set(chunk, members.add(id));
    }
    this.#dirtyChunks.add(chunk);
  }
}

function chunkOf(seq: number): number {
  return Math.floor(seq / PERSIST_CHUNK_FILES);
}

/** What a resume needs, as a comparable string: everything kept but the bytes sent. */
function projectionKey(persisted: PersistedFile): string {
  const { bytesSent: _bytes, ...rest } = persisted;
  return JSON.stringify(rest);
}
