/**
 * Thumbnails that arrive while photos finish processing are shown together, not one frame each.
 *
 * While uploads complete, the library is patched about once a second with the photos that became
 * COMPLETED (UploadProvider), and each tile on screen then gets its thumbnail URL. An <img> given
 * that URL loads and decodes on its own and paints its tile in a frame of its own: about one frame
 * with a paint (and the document's paint pass, layerize, commit) per photo after the last byte,
 * the largest part of the page's work while the server processes (bench/results/browser-perf-log.md).
 *
 * Here a tile asks for its new thumbnail to be fetched and decoded off the page (`new Image()`,
 * `decode()`), and is told to show it once every thumbnail asked for meanwhile is ready, or
 * REVEAL_WINDOW_MS after the first was: the tiles of one patch take their <img> in one render and
 * paint in one frame, from the browser's list of available images (already decoded). A thumbnail
 * that fails to load or decode is revealed all the same (the <img> shows what the browser can), and
 * one still loading after MAX_WAIT_MS too: a COMPLETED photo's thumbnail is never held back for good.
 * Only tiles that are drawn ask (the grid is windowed); a tile drawn with its thumbnail already
 * there (scrolling, a page load) shows it at once.
 *
 * Better still, the library's patch (use-photo-list.ts) asks for the thumbnails of its drawn photos
 * before it lands (`prepare`): the tiles then take their image in the patch's own render, one commit
 * and one painted frame per patch instead of one for the patch (no visible change: the tile still
 * shows "Processing…") and one more for the reveal.
 */

/** How long the first ready thumbnail waits for the others asked for with it. */
export const REVEAL_WINDOW_MS = 150;
/** A thumbnail still not decoded by then is shown anyway, as a plain <img> would be. */
export const MAX_WAIT_MS = 3_000;

/** Starts loading and decoding `url`; settles (either way) once done. `keep` holds what must stay alive. */
export type DecodeImage = (url: string) => { done: Promise<unknown>; keep: unknown };

export type ArrivalTimers = {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
};

type Waiting = { reveal: () => void; settled: boolean; timer: unknown; keep: unknown };

export class ThumbnailArrivals {
  readonly #decode: DecodeImage;
  readonly #timers: ArrivalTimers;
  /** Asked for and not yet revealed, in the order asked. */
  readonly #waiting = new Set<Waiting>();
  #windowTimer: unknown = null;
  /**
   * The images of the last reveal, kept until the next: the tiles' renders that take their URL come
   * a task later, and the decoded image must still be the document's when their <img> asks.
   */
  #lastRevealed: unknown[] = [];
  /** Photo ids whose tile is drawn now, counted (a tile remounting overlaps itself for a moment). */
  readonly #drawn = new Map<string, number>();
  /**
   * Thumbnails decoded ahead of the patch that names them, by URL, with the image to keep alive: the
   * last prepare's and the one before (whose tiles may render a task after the next one started).
   */
  #prepared = new Map<string, unknown>();
  #preparedBefore = new Map<string, unknown>();

  constructor(decode: DecodeImage = decodeWithImage, timers: ArrivalTimers = realTimers) {
    this.#decode = decode;
    this.#timers = timers;
  }

  /**
   * Loads and decodes `url`, then calls `reveal` together with the other thumbnails ready by then
   * (all in one task, so React renders their tiles once). Returns the cancel (the tile went away or
   * its URL changed); the decoded image is kept alive until revealed or cancelled.
   */
  whenReady(url: string, reveal: () => void): () => void {
    const { done, keep } = this.#decode(url);
    const waiting: Waiting = { reveal, settled: false, timer: null, keep };
    waiting.timer = this.#timers.set(() => this.#settle(waiting), MAX_WAIT_MS);
    this.#waiting.add(waiting);
    const settle = () => this.#settle(waiting);
    done.then(settle, settle);
    return () => {
      this.#timers.clear(waiting.timer);
      this.#waiting.delete(waiting);
      this.#maybeReveal();
    };
  }

  /** Marks the tile of `photoId` as drawn until the returned release is called. */
  drawn(photoId: string): () => void {
    this.#drawn.set(photoId, (this.#drawn.get(photoId) ?? 0) + 1);
    return () => {
      const count = (this.#drawn.get(photoId) ?? 1) - 1;
      if (count > 0) this.#drawn.set(photoId, count);
      else this.#drawn.delete(photoId);
    };
  }

  isDrawn(photoId: string): boolean {
    return this.#drawn.has(photoId);
  }

  /**
   * Loads and decodes `urls` ahead of the patch that will name them; settles once each is decoded or
   * failed, or after MAX_WAIT_MS (a slow one is then revealed as usual, by whenReady). Never rejects.
   */
  prepare(urls: readonly string[]): Promise<void> {
    const wanted = urls.filter((url) => !this.isPrepared(url));
    if (wanted.length === 0) return Promise.resolve();
    const ready = new Map<string, unknown>();
    return new Promise<void>((resolve) => {
      let left = wanted.length;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        this.#timers.clear(timer);
        this.#preparedBefore = this.#prepared;
        this.#prepared = ready;
        resolve();
      };
      const timer = this.#timers.set(finish, MAX_WAIT_MS);
      for (const url of wanted) {
        const { done, keep } = this.#decode(url);
        const settle = (ok: boolean) => {
          if (finished) return;
          if (ok) ready.set(url, keep);
          if (--left === 0) finish();
        };
        done.then(
          () => settle(true),
          () => settle(false),
        );
      }
    });
  }

  /** Decoded by a recent prepare: a tile given this URL can show it in the same render. */
  isPrepared(url: string): boolean {
    return this.#prepared.has(url) || this.#preparedBefore.has(url);
  }

  /** How many thumbnails are asked for and not yet revealed (tests, diagnostics). */
  get pending(): number {
    return this.#waiting.size;
  }

  /** What the last reveal keeps alive (tests, diagnostics). */
  get held(): readonly unknown[] {
    return this.#lastRevealed;
  }

  #settle(waiting: Waiting): void {
    if (waiting.settled || !this.#waiting.has(waiting)) return;
    waiting.settled = true;
    this.#timers.clear(waiting.timer);
    if (this.#windowTimer === null) this.#windowTimer = this.#timers.set(() => this.#reveal(), REVEAL_WINDOW_MS);
    this.#maybeReveal();
  }

  /** Everything asked for is ready: no reason to wait out the window. */
  #maybeReveal(): void {
    if (this.#windowTimer === null) return;
    for (const waiting of this.#waiting) if (!waiting.settled) return;
    this.#reveal();
  }

  #reveal(): void {
    if (this.#windowTimer !== null) this.#timers.clear(this.#windowTimer);
    this.#windowTimer = null;
    const ready = [...this.#waiting].filter((w) => w.settled);
    for (const waiting of ready) this.#waiting.delete(waiting);
    this.#lastRevealed = ready.map((w) => w.keep);
    for (const waiting of ready) waiting.reveal();
    // Some were still loading: the next one ready opens the next window.
  }
}

const realTimers: ArrivalTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The browser's own loader: the image joins the document's list of available images, decoded. */
function decodeWithImage(url: string): { done: Promise<unknown>; keep: unknown } {
  const image = new Image();
  image.decoding = "async";
  image.src = url;
  return { done: image.decode(), keep: image };
}

/** The page's one gate, shared by every tile (created on first use: `Image` exists in the browser only). */
let shared: ThumbnailArrivals | null = null;
export function thumbnailArrivals(): ThumbnailArrivals {
  shared ??= new ThumbnailArrivals();
  return shared;
}
