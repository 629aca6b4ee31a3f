import { onAbort } from "./abort.js";
import { FINISHING_FILES_PER_ACTIVE_SLOT } from "./constants.js";

/**
 * The two limits of the engine (DESIGN §8): files active at once, and requests in flight across
 * all of them. Files wait in priority order (higher first, then first come); a freed request slot
 * goes to the active file that ranks highest, so earlier files finish first instead of every file
 * crawling along together. Modelled on Uppy's RateLimitedQueue, split in two levels.
 */

export type QueueLimits = { maxActiveFiles: number; maxRequests: number };

type Entry = { id: string; priority: number; order: number };
type Waiter = { fileId: string; arrival: number; grant: (release: () => void) => void };

export class TaskQueue {
  readonly #waiting: Entry[] = []; // always sorted, best first
  readonly #active = new Map<string, Entry>();
  /** Files that gave their slot back while they finish (finalize): known, but not counted as active. */
  readonly #finishing = new Set<string>();
  #waiters: Waiter[] = [];
  #requests = 0;
  #counter = 0;
  #blocked = false;
  #pumping = false;
  #limits: QueueLimits;

  constructor(
    limits: QueueLimits,
    /** Called when a file may start; the file calls `done(id)` when it stops, whatever the outcome. */
    private readonly startFile: (id: string) => void,
  ) {
    this.#limits = checkLimits(limits);
  }

  get limits(): QueueLimits {
    return { ...this.#limits };
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Files that released their slot (see `release`) and have not called `done` yet. */
  get finishingCount(): number {
    return this.#finishing.size;
  }

  get waitingCount(): number {
    return this.#waiting.length;
  }

  get requestsInFlight(): number {
    return this.#requests;
  }

  /** Waiting file ids in the order they will start. */
  waitingIds(): string[] {
    return this.#waiting.map((e) => e.id);
  }

  has(id: string): boolean {
    return this.#active.has(id) || this.#finishing.has(id) || this.#waiting.some((e) => e.id === id);
  }

  setLimits(limits: Partial<QueueLimits>): void {
    this.#limits = checkLimits({ ...this.#limits, ...limits });
    this.#pump();
  }

  /** Offline: start nothing and grant no request until unblocked. Work in flight is left alone. */
  setBlocked(blocked: boolean): void {
    this.#blocked = blocked;
    this.#pump();
  }

  add(id: string, priority = 0): void {
    if (this.has(id)) return;
    this.#insert({ id, priority, order: this.#counter++ });
    this.#pump();
  }

  /** Takes a waiting file out of the queue (pause, cancel). Returns false if it was not waiting. */
  remove(id: string): boolean {
    const i = this.#waiting.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.#waiting.splice(i, 1);
    return true;
  }

  /** An active file stopped (finished, failed, paused or cancelled): its slot is free. */
  done(id: string): void {
    this.#finishing.delete(id);
    if (this.#active.delete(id)) this.#pump();
  }

  /**
   * An active file has sent every byte and only waits for the server now (finalize): its slot goes
   * to the next file at once, and it stays known until `done`. Finalize waits on the server, and a
   * busy server answers it slowly: holding the slot meanwhile gave slots to files that send nothing
   * (browser bench, 1,000 x 150 KB: 3.4 PUTs going on average, against 5.3 for a page that
   * finalizes beside its 6 PUTs). If it has to send again (a refused finalize), its requests still
   * wait for request slots, behind those of active files. At most FINISHING_FILES_PER_ACTIVE_SLOT ×
   * `maxActiveFiles` files wait like this: past that a file keeps its slot, so a server that stops
   * answering finalize still holds back new sends (its answers are the engine's back-pressure)
   * instead of every file of the selection being sent and left waiting on it.
   */
  release(id: string): void {
    const most = FINISHING_FILES_PER_ACTIVE_SLOT * this.#limits.maxActiveFiles;
    if (!this.#active.has(id) || this.#finishing.size >= most) return;
    this.#active.delete(id);
    this.#finishing.add(id);
    this.#pump();
  }

  setPriority(id: string, priority: number): void {
    const active = this.#active.get(id);
    if (active) {
      active.priority = priority;
      return;
    }
    const i = this.#waiting.findIndex((e) => e.id === id);
    if (i < 0) return;
    const [entry] = this.#waiting.splice(i, 1);
    if (!entry) return;
    entry.priority = priority;
    this.#insert(entry);
  }

  /**
   * Moves a waiting file to `index` of the waiting order. To stay there under the priority order it
   * takes a priority between its new neighbours' (jumping ahead of a high-priority file means
   * taking that priority). Returns the priority it ends up with, or null if it was not waiting.
   */
  move(id: string, index: number): number | null {
    const from = this.#waiting.findIndex((e) => e.id === id);
    if (from < 0) return null;
    const [entry] = this.#waiting.splice(from, 1);
    if (!entry) return null;
    const to = Math.max(0, Math.min(this.#waiting.length, Math.trunc(index)));
    const before = this.#waiting[to - 1];
    const after = this.#waiting[to];
    let priority = entry.priority;
    if (after && priority < after.priority) priority = after.priority;
    if (before && priority > before.priority) priority = before.priority;
    entry.priority = priority;
    this.#waiting.splice(to, 0, entry);
    // Renumber so "first come" now means "this order"; new arrivals still sort after all of them.
    for (const e of this.#waiting) e.order = this.#counter++;
    return priority;
  }

  /**
   * A request slot for `fileId`. Resolves with a release function (call it exactly once, when the
   * request has ended); rejects with the signal's reason if aborted while waiting.
   */
  acquire(fileId: string, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        fileId,
        arrival: this.#counter++,
        grant: (release) => {
          stop();
          resolve(release);
        },
      };
      const stop = onAbort(signal, () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  #insert(entry: Entry): void {
    // Binary search for the first entry that ranks below the new one.
    let lo = 0;
    let hi = this.#waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.#waiting[mid]!;
      if (compare(other, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.#waiting.splice(lo, 0, entry);
  }

  #pump(): void {
    if (this.#pumping) return; // startFile or a grant may re-enter; the outer loop picks it up
    this.#pumping = true;
    try {
      while (!this.#blocked && this.#active.size < this.#limits.maxActiveFiles && this.#waiting.length > 0) {
        const entry = this.#waiting.shift()!;
        this.#active.set(entry.id, entry);
        this.startFile(entry.id);
      }
      while (!this.#blocked && this.#requests < this.#limits.maxRequests && this.#waiters.length > 0) {
        const best = this.#bestWaiter();
        this.#waiters = this.#waiters.filter((w) => w !== best);
        this.#requests++;
        let released = false;
        best.grant(() => {
          if (released) return;
          released = true;
          this.#requests--;
          this.#pump();
        });
      }
    } finally {
      this.#pumping = false;
    }
  }

  #bestWaiter(): Waiter {
    let best = this.#waiters[0]!;
    for (const w of this.#waiters) {
      const a = this.#active.get(w.fileId);
      const b = this.#active.get(best.fileId);
      const byFile = a && b ? compare(a, b) : a ? -1 : b ? 1 : 0;
      if (byFile < 0 || (byFile === 0 && w.arrival < best.arrival)) best = w;
    }
    return best;
  }
}

function compare(a: Entry, b: Entry): number {
  return b.priority - a.priority || a.order - b.order;
}

function checkLimits(limits: QueueLimits): QueueLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}.`);
  }
  return { ...limits };
}
