/**
 * Engine defaults. Each one says why it has the value it has; all of them can be overridden in
 * `createUploader({ limits, retry, ... })`.
 */

/**
 * PUT requests (bytes to storage) in flight at once, across all files.
 * Browsers carry ~6 HTTP/1.1 requests per host at a time; anything beyond that waits inside the
 * browser, where it shows no progress (so stall detection misfires) and its signed URL ages.
 * On HTTP/2 storage (S3 via CloudFront, most CDNs) raise it; it is configurable up to 100+.
 */
export const DEFAULT_MAX_REQUESTS = 6;

/**
 * Files being worked on at once (signing, sending; a file waiting for its finalize answer has given
 * its slot back, see TaskQueue.release). Larger than the request limit so that while some files
 * spend a round trip on signing, others keep every request slot busy; small enough that signed URLs are not fetched long before they are used.
 * Measured with test/limits-bench.ts (100 × 2 MiB, real server, 40 ms added per API call and per
 * storage answer, 8 MiB/s per connection, 6 requests): 1 file → 35 s, 6 → 7.2 s, 10 → 6.5 s,
 * 20 → 6.6 s. Past 10 nothing is gained; below it request slots sit idle during round trips.
 */
export const DEFAULT_MAX_ACTIVE_FILES = 10;

/**
 * Files that may wait for their finalize answer without holding an active slot, per active slot
 * (TaskQueue.release). Small files' finalizes go several to a request, at most 2 requests out
 * (finalize-batcher.ts), so a file waits behind the files of the requests ahead of it: with 1 per
 * slot (10 files), a 1,000 × 150 KB upload in the browser bench kept 4.2 PUTs outstanding on average
 * (a trace of the renderer's requests); with 3 (30 files), 5.4 of the 6. Still a bound: a server
 * that stops answering finalize holds back new sends after that many.
 */
export const FINISHING_FILES_PER_ACTIVE_SLOT = 3;

/**
 * A selection larger than one job (the server's per-job limit, 1,000 files by default) is
 * registered a job at a time: the next job is created when fewer than this many registered files
 * are left waiting, so its URLs are signed shortly before they are used. Creating a 1,000-file job
 * takes 0.2–1.5 s on the server (bench: server, load); in that time the engine starts a few hundred
 * small files at most, so the queue never runs dry at a job boundary.
 */
export const DEFAULT_REGISTER_AHEAD = 300;

/**
 * A selection is added in slices (add-slices.ts): this many files at once, in the task that picked
 * them — the first job is made of them (with hashing, of the first one hashed), so more only delays
 * the first request — and the rest in later tasks of at most ADD_SLICE_FILES files and
 * ADD_SLICE_BUDGET_MS each, well under the 50 ms that makes a long task. Recording a file costs
 * ~80 µs in Chromium (the first read of its size is a round trip to the browser process).
 */
export const FIRST_ADD_SLICE_FILES = 100;
export const ADD_SLICE_FILES = 500;
export const ADD_SLICE_BUDGET_MS = 8;

/** Parts signed per request: enough to cover every request slot once, small enough to sign just in time. */
export const DEFAULT_SIGN_BATCH = 10;

/** A URL that expires within this margin is signed again before use: a part of 8 MiB on a slow link takes a while. */
export const URL_EXPIRY_MARGIN_MS = 60_000;

/** Tries per request, first one included (Uppy and tus use 1 + 4 retries). */
export const DEFAULT_RETRY_ATTEMPTS = 6;
/** First backoff ceiling; doubled per failure (full jitter picks uniformly below it). */
export const DEFAULT_RETRY_BASE_MS = 500;
/** Backoff ceiling: beyond ~30 s a user would rather see the failure and press retry. */
export const DEFAULT_RETRY_MAX_MS = 30_000;
/** Longest Retry-After honoured; a server asking for more is treated as asking for this. */
export const MAX_RETRY_AFTER_MS = 120_000;
/**
 * Expired-URL re-signs in a row that do not use up a try. An expired URL is routine (a queue can
 * outlive a URL), but a URL that is expired the moment it is signed means a clock problem, and
 * after this many the try counts so the file can still fail instead of looping.
 */
export const MAX_FREE_RESIGNS = 3;

/** No upload progress for this long → the request is aborted and retried (same default as Uppy). */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** Each stall of the same request doubles its window up to this: 30 s, 60 s, 120 s, 120 s, … */
export const DEFAULT_STALL_MAX_TIMEOUT_MS = 120_000;
/**
 * Stalls in a row without getting further than before, after which a file fails with STALLED:
 * 7.5 minutes of no progress at all with the windows above. A link that moves at all never
 * gets there; one that is dead would rather show the failure than spin.
 */
export const DEFAULT_MAX_STALLS = 5;

/**
 * Server progress reports: at most one request per tab this often, for the photos whose bytes
 * moved since the last one and that have been on their way at least this long (a file sent
 * faster says all there is to say with its finalize). Other tabs see bars move every second or
 * two; the server's sender lease (two minutes) is kept by far fewer.
 */
export const DEFAULT_PROGRESS_REPORT_MS = 1_500;

/** Speed is sampled this often while bytes move; the EMA below smooths the samples. */
export const SPEED_SAMPLE_MS = 500;
/** EMA time constant: speed follows a change in ~3 s without jittering on every sample. */
export const SPEED_TIME_CONSTANT_MS = 3_000;

/**
 * A background tab gets no animation frames; store writes still flush this often so completion
 * and status changes reach subscribers that are not rendering (notifications, other logic).
 */
export const HIDDEN_FLUSH_MS = 250;

/**
 * In a browser, the store takes writes (status changes, new files, pushes) at most this often: ten
 * updates a second read as immediate, and a burst of pushes costs one render, not one per frame.
 */
export const STORE_FLUSH_GAP_MS = 100;

/**
 * Past this many files in the store the gap above grows with them (STORE_FLUSH_GAP_MS per this many
 * files, scheduler.ts storeFlushGapMs), so a flush's work per second stays what it is at this size:
 * each flush that changes a file copies the whole `files` record (and the panel its row lists), and
 * at 10,000 files ten such copies a second (several hundred KB each, in the old generation) made
 * the page's long tasks major GCs inside flushes. Up to this many, nothing changes.
 */
export const STORE_FLUSH_GAP_FILES = 1_000;

/**
 * The longest the grown gap gets (reached at 5,000 files): two updates a second still read as live,
 * a count or a row's status moves while the user watches, where a second between them (the quiet
 * cadence, SETTLED_FLUSH_MS) reads as live only when nothing is being sent. Past 5,000 files a
 * flush's work per second grows with the selection again.
 */
export const STORE_FLUSH_GAP_MAX_MS = 500;

/**
 * Byte progress alone reaches the store at most this often in a browser (a status change takes the
 * pending progress with it sooner): five updates a second read as live (the bars step with each;
 * ProgressBar.tsx says why they do not glide).
 */
export const PROGRESS_FLUSH_MS = 200;

/**
 * While the engine is quiet (nothing registering, waiting or sending), writes reach the store at most
 * this often in a browser: what is left is the server's pushes (PROCESSING → COMPLETED) for as long
 * as it processes the batch. A write after a quiet spell of this length flushes on the next frame (a
 * lone push shows at once); the rest of a burst goes together this long after the flush before.
 * Each flush renders the panel and draws a frame; once a second still reads as live. Against the
 * half-second delay it replaced: half the renders, a mean delay of ~0.5 s instead of ~0.25 s in a
 * steady flow of pushes, none instead of 0.5 s for a lone one. A new file flushes sooner.
 */
export const SETTLED_FLUSH_MS = 1_000;

/** Node transport writes the body in chunks of this size, so progress events come every 64 KiB. */
export const NODE_CHUNK_BYTES = 64 * 1024;

/** Error bodies from storage are read only this far: enough for an S3 or JSON error, never a page. */
export const MAX_ERROR_BODY_CHARS = 4_096;

/**
 * How often the engine tells the server it still holds files it is not sending yet (queued behind
 * others, paused): well inside the server's two-minute sender lease, so a missed beat or two is fine.
 */
export const DEFAULT_HOLD_INTERVAL_MS = 30_000;
