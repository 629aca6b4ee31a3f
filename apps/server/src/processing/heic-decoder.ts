import { Worker } from "node:worker_threads";
import { z } from "zod";

export type DecodedPixels = {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA), 8 bits each, rows packed. */
  channels: 3 | 4;
  pixels: Buffer;
};

/** Why a decode failed: the file's fault (`corrupt`, `too-many-pixels`) or the decoder's (`crashed`). */
export class HeicDecodeError extends Error {
  constructor(
    readonly code: "corrupt" | "too-many-pixels" | "crashed",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HeicDecodeError";
  }
}

// What heic-decode-worker.mjs answers; checked because the worker is plain JavaScript.
const Reply = z.discriminatedUnion("ok", [
  z.object({
    id: z.number(),
    ok: z.literal(true),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(3), z.literal(4)]),
    pixels: z.instanceof(Uint8Array),
    heapBytes: z.number(),
  }),
  z.object({
    id: z.number(),
    ok: z.literal(false),
    code: z.enum(["corrupt", "too-many-pixels"]),
    message: z.string(),
    heapBytes: z.number(),
  }),
]);

/**
 * A fresh worker's wasm heap is 16 MiB and a 12 MP photo takes it to about 100 MiB; past this the
 * worker is replaced after its decode, since a wasm heap never shrinks and a 48 MP photo would
 * otherwise keep ~400 MiB resident for the life of the process.
 */
export const RECYCLE_HEAP_BYTES = 256 * 1024 * 1024;

const WORKER_URL = new URL("./heic-decode-worker.mjs", import.meta.url);

/**
 * Decodes HEIC/HEIF photos (HEVC, which the prebuilt sharp cannot decode) with libheif's
 * WebAssembly build in a worker thread, one photo at a time: a decode holds the photo's full
 * pixels twice (in the wasm heap and in the copy handed back), so two 48 MP photos at once would
 * double a peak that is already the largest in the pipeline.
 */
export class HeicDecoder {
  #worker: Worker | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #workersStarted = 0;

  constructor(private readonly options: { maxPixels: number; recycleHeapBytes?: number }) {}

  /** How many worker threads this decoder has started (a recycled worker is replaced by a new one). */
  get workersStarted(): number {
    return this.#workersStarted;
  }

  /**
   * Decodes the primary image with the file's rotation and mirroring applied. An abort while
   * waiting skips the decode; an abort during it terminates the worker, so it stops at once.
   */
  decode(bytes: Uint8Array, signal?: AbortSignal): Promise<DecodedPixels> {
    const run = this.#queue.then(() => this.#decodeNow(bytes, signal));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Terminates the worker (idle or not); the next decode starts a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #decodeNow(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<DecodedPixels> {
    signal?.throwIfAborted();
    const worker = this.#workerNow();
    const id = this.#nextId++;
    return new Promise<DecodedPixels>((resolve, reject) => {
      const settle = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        signal?.removeEventListener("abort", onAbort);
        worker.unref(); // an idle decoder must not keep the process alive
      };
      const retire = async () => {
        if (this.#worker === worker) this.#worker = null;
        await worker.terminate();
      };
      const onMessage = async (message: unknown) => {
        const parsed = Reply.safeParse(message);
        if (!parsed.success || parsed.data.id !== id) return;
        settle();
        const reply = parsed.data;
        // Wait for the thread to be gone before handing the pixels on: its heap is freed with it,
        // so resizing does not stack on top of the decode's peak.
        if (reply.heapBytes > (this.options.recycleHeapBytes ?? RECYCLE_HEAP_BYTES)) await retire();
        if (!reply.ok) return reject(new HeicDecodeError(reply.code, reply.message));
        const { width, height, channels, pixels } = reply;
        resolve({ width, height, channels, pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) });
      };
      // A wasm abort (out of memory, a libheif assertion) ends the thread; the next decode gets a new one.
      const onError = (err: Error) => {
        settle();
        void retire();
        reject(new HeicDecodeError("crashed", `the HEIC decoder failed: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number) => onError(new Error(`decoder thread exited with code ${code}`));
      const onAbort = () => {
        settle();
        void retire(); // the only way to stop a decode that is running
        reject(signal?.reason);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.ref();
      // Copied into the message (structured clone): the caller still needs the bytes, and a HEIC
      // is small next to its decoded pixels.
      worker.postMessage({ id, bytes, maxPixels: this.options.maxPixels });
    });
  }

  #workerNow(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_URL);
    this.#workersStarted++;
    // Between decodes nobody else listens: an unhandled 'error' would crash the process, and a
    // thread that died while idle must not be handed the next photo.
    worker.on("error", () => {});
    worker.once("exit", () => {
      if (this.#worker === worker) this.#worker = null;
    });
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
