/**
 * Which files a store flush changed, for readers whose work should follow the flush's writes
 * rather than the selection's size: with 10,000 files in the store, a walk over every file on every
 * flush (ten a second while sending) was most of the page's own script. The store writer logs the
 * ids of each flush against the `files` object it made; `changedFiles(before, after)` answers
 * from that log, or null when it cannot tell (objects from another store or writer, or further
 * apart than the log reaches), and the reader then walks every file as before.
 *
 * The log holds ids and numbers only, never a `files` object (they are keys of a WeakMap), so
 * old states are collected as soon as nobody holds them.
 */

/** Flushes the log reaches back: a reader that looks twice a second spans ~5 paced flushes. */
export const DELTA_LOG_FLUSHES = 32;

/** Per flush, the ids it changed; null for a gap (a `files` object made elsewhere): nothing spans it. */
type Log = { ids: (readonly string[] | null)[]; last: number };
type Stamp = { log: Log; flush: number };

const stamps = new WeakMap<object, Stamp>();

export class FilesDeltaLog {
  readonly #log: Log = { ids: [], last: -1 };

  /** `after` was made from `before` by changing, adding or removing exactly `ids`. */
  record(before: object, after: object, ids: readonly string[]): void {
    const log = this.#log;
    const previous = stamps.get(before);
    // Not the object of this log's last flush (the store's initial one, or one set from outside the
    // writer): a gap, then the count goes on from it.
    if (previous?.log !== log || previous.flush !== log.last) this.#stamp(before, null);
    this.#stamp(after, ids);
  }

  #stamp(files: object, ids: readonly string[] | null): void {
    const log = this.#log;
    log.last++;
    log.ids[log.last % DELTA_LOG_FLUSHES] = ids;
    stamps.set(files, { log, flush: log.last });
  }
}

/**
 * Ids of the files that differ between two `files` objects of one store (changed, added or
 * removed), each once; null when the log cannot tell. Same object: none.
 */
export function changedFiles(before: object, after: object): readonly string[] | null {
  if (before === after) return [];
  const from = stamps.get(before);
  const to = stamps.get(after);
  if (!from || !to || from.log !== to.log) return null;
  const span = to.flush - from.flush;
  if (span <= 0 || span > DELTA_LOG_FLUSHES || to.log.last - from.flush > DELTA_LOG_FLUSHES) return null;
  if (span === 1) return to.log.ids[to.flush % DELTA_LOG_FLUSHES] ?? null;
  const ids = new Set<string>();
  for (let flush = from.flush + 1; flush <= to.flush; flush++) {
    const changed = to.log.ids[flush % DELTA_LOG_FLUSHES];
    if (!changed) return null;
    for (const id of changed) ids.add(id);
  }
  return [...ids];
}
