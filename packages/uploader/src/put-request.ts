import { linkSignals } from "./abort.js";
import type { Clock } from "./clock.js";
import { StallError, StorageHttpError, UploaderError } from "./errors.js";
import type { NetworkMonitor } from "./network.js";
import type { FileProgress } from "./progress.js";
import { type RetryPolicy, withRetry } from "./retry.js";
import type { UploadBody, UploadSource } from "./source.js";
import { StallBudget, type StallPolicy } from "./stall-policy.js";
import type { TaskQueue } from "./task-queue.js";
import type { UploadTransport } from "./transport.js";

/** Where one PUT goes. `expiresAt` (epoch ms) is null when storage did not say. */
export type PutTarget = { url: string; headers: Record<string, string>; expiresAt: number | null };

/** What sending bytes needs, and nothing else. */
export type RequestDeps = {
  transport: UploadTransport;
  queue: Pick<TaskQueue, "acquire">;
  network: NetworkMonitor;
  retry: RetryPolicy;
  stall: StallPolicy;
  clock: Clock;
  /** Rewrites signed URLs before use (dev proxies, tests with a fault-injecting proxy). */
  rewriteUrl: (url: string) => string;
  random?: () => number;
};

type PutJob = {
  fileId: string;
  /** Part number, or 1 for a single PUT: the key its bytes are counted under. */
  key: number;
  start: number;
  end: number;
  source: UploadSource;
  progress: FileProgress;
  /** The URL to use; `fresh` asks for a newly signed one (the last was refused or expired). */
  target: (fresh: boolean, signal: AbortSignal) => Promise<PutTarget>;
  /** Multipart needs the ETag to finalize; a single PUT does not. */
  requireEtag: boolean;
  /**
   * The range is the whole file and the request carries the file's own Content-Type (a single PUT):
   * a Blob source can be sent as itself (see bodyOf).
   */
  wholeFile?: boolean;
  onRetry?: (failures: number) => void;
};

/**
 * Sends one range of a file, retrying as `retry` decides (see retry.ts). Each try waits for a
 * request slot first, then gets its URL — so a URL is signed just before use, not while the
 * request waits — then reads the bytes, so memory holds only what is in flight.
 * Resolves with the ETag (null if storage sent none and none is required).
 */
export function sendRange(deps: RequestDeps, job: PutJob, signal: AbortSignal): Promise<string | null> {
  const stalls = new StallBudget(deps.stall);
  return withRetry(({ resign }) => sendOnce(deps, job, resign, stalls, signal), {
    policy: deps.retry,
    signal,
    network: deps.network,
    random: deps.random,
    clock: deps.clock,
    onRetry: ({ failures }) => job.onRetry?.(failures),
  });
}

async function sendOnce(
  deps: RequestDeps,
  job: PutJob,
  fresh: boolean,
  stalls: StallBudget,
  signal: AbortSignal,
): Promise<string | null> {
  const release = await deps.queue.acquire(job.fileId, signal);
  // Armed only once a request slot is ours: waiting for one is not the network stalling.
  const stall = new StallWatch(stalls.windowMs(), deps.clock);
  const linked = linkSignals(signal, stall.signal);
  let reached = 0;
  try {
    const target = await job.target(fresh, linked.signal);
    const body = await bodyOf(job);
    job.progress.begin(job.key, job.end - job.start);
    stall.touch();
    const res = await deps.transport.put({
      url: deps.rewriteUrl(target.url),
      headers: target.headers,
      body,
      signal: linked.signal,
      onProgress: (loaded) => {
        stall.touch();
        reached = Math.max(reached, loaded);
        job.progress.update(job.key, loaded);
      },
    });
    if (res.status < 200 || res.status > 299) throw new StorageHttpError(res.status, res.body, res.retryAfter);
    if (job.requireEtag && !res.etag) {
      throw new UploaderError("NO_ETAG", "Storage sent no ETag for a part (its CORS settings must expose ETag).");
    }
    job.progress.complete(job.key);
    return res.etag;
  } catch (error) {
    job.progress.takeBack(job.key);
    // The watchdog's abort surfaces as the transport's abort; report it as the stall it was.
    if (stall.fired && !signal.aborted) throw stalls.stalled(stall.timeoutMs, reached);
    throw error;
  } finally {
    stall.dispose();
    linked.dispose();
    release();
  }
}

/**
 * The bytes of the job's range. A Blob (a browser File) in a single PUT is sent as itself: `slice`
 * makes a new blob, and for a picked file Chromium asks the browser process about the file first
 * (~5 ms a file on a loaded machine, the largest cost of the send path in the 100 x 2 MB profile).
 * Parts are sliced: a whole Blob would also bring its type as an unsigned Content-Type.
 */
function bodyOf(job: PutJob): UploadBody | Promise<UploadBody> {
  const { source, start, end } = job;
  if (job.wholeFile && start === 0 && end === source.size && typeof Blob !== "undefined" && source instanceof Blob)
    return source;
  return source.slice(start, end);
}

/**
 * Aborts when `touch` has not been called for `timeoutMs` (never, when that is infinite). One
 * timer per request that re-arms itself for the time left, rather than a new timer per progress
 * event (one every 64 KiB).
 */
class StallWatch {
  readonly #controller = new AbortController();
  #last: number;
  #timer: unknown = null;
  fired = false;

  constructor(
    readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {
    this.#last = clock.now();
    if (Number.isFinite(timeoutMs)) this.#arm(timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    this.#last = this.clock.now();
  }

  dispose(): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.#timer = this.clock.setTimeout(() => {
      const idle = this.clock.now() - this.#last;
      if (idle < this.timeoutMs) return this.#arm(this.timeoutMs - idle);
      this.fired = true;
      this.#controller.abort(new StallError(this.timeoutMs));
    }, ms);
  }
}
