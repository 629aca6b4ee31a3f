import { isAwaitingBytes } from "@rapidphoto/protocol";
import type { FileState } from "./store.js";

/**
 * The files a selection has already registered, kept so that a later copy of one of them waits for
 * it instead of being stored a second time.
 *
 * Why a copy must wait: the server answers a hashed file as a duplicate only of a photo whose bytes
 * are stored (one still awaiting them may belong to a tab that is gone), and within one request by
 * hash. Two equal files registered in different jobs (a large selection becomes several) while the
 * first is still sending were both stored. Held until the first is stored, the copy is registered
 * with its hash and answered as a duplicate of it (the server hashes an original that went unhashed
 * on demand); if the first fails or is cancelled, the copy goes on as an upload of its own. A paused
 * first is still on its way (a pause of everything pauses the copy too, and both would be sent on
 * resume); one back from an earlier page without its file is not (nothing sends it until it is
 * picked again).
 *
 * An original is known by its hash, or, registered without one (its size was unique when it went),
 * by its size: any hashed file of that size could be a copy of it. Such sizes are rare (a shared size
 * is what makes a file hashed), so a copy that turns out not to be one rarely waits.
 */
export class SentOriginals {
  /** File ids by hash, and by size for those registered without one. */
  readonly #byHash = new Map<string, string[]>();
  readonly #unhashedBySize = new Map<number, string[]>();
  /** Ids held in both maps, and the count at which stored ones are swept out of them. */
  #count = 0;
  #sweepAt = SWEEP_FLOOR;

  constructor(private readonly file: (id: string) => Pick<FileState, "status" | "needsFile"> | undefined) {}

  /** How many originals are kept: at most about twice those being sent (or SWEEP_FLOOR). */
  get kept(): number {
    return this.#count;
  }

  /** `id` goes to be registered, hashed `sha256` (null: without a hash), `size` bytes. */
  add(id: string, sha256: string | null, size: number): void {
    if (sha256 !== null) append(this.#byHash, sha256, id);
    else append(this.#unhashedBySize, size, id);
    if (++this.#count >= this.#sweepAt) this.#sweep();
  }

  /**
   * Whether file `id`, hashed `sha256`, must wait before it is registered: some file registered
   * before it with the same hash, or without a hash and of the same size, is still being sent.
   * `alongside` are the files going in the same request: the server answers a copy of a hashed one
   * among them itself.
   */
  waits(id: string, sha256: string, size: number, alongside: ReadonlySet<string>): boolean {
    if (this.#sending(this.#byHash, sha256).some((o) => o !== id && !alongside.has(o))) return true;
    return this.#sending(this.#unhashedBySize, size).some((o) => o !== id);
  }

  /**
   * The originals under `key` being sent now. Stored ones (or failed, cancelled, gone) are forgotten:
   * none is sent again but by a retry, and a copy then goes as an upload of its own.
   */
  #sending<K>(map: Map<K, string[]>, key: K): string[] {
    const list = map.get(key);
    if (!list) return [];
    const left = this.#prune(map, key, list);
    // Back from an earlier page without its file: not sent until picked again, so not waited for.
    return left.filter((o) => !this.file(o)!.needsFile);
  }

  #prune<K>(map: Map<K, string[]>, key: K, list: string[]): string[] {
    const left = list.filter((o) => {
      const f = this.file(o);
      return f !== undefined && isAwaitingBytes(f.status);
    });
    this.#count -= list.length - left.length;
    if (left.length === 0) map.delete(key);
    else if (left.length < list.length) map.set(key, left);
    return left;
  }

  /** Forgets every stored original: what is kept is bounded by the files being sent, not by all sent. */
  #sweep(): void {
    for (const [key, list] of this.#byHash) this.#prune(this.#byHash, key, list);
    for (const [key, list] of this.#unhashedBySize) this.#prune(this.#unhashedBySize, key, list);
    this.#sweepAt = Math.max(SWEEP_FLOOR, 2 * this.#count);
  }
}

/** Originals kept at least before a sweep: a sweep reads every file's status. */
const SWEEP_FLOOR = 256;

function append<K>(map: Map<K, string[]>, key: K, id: string): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}
