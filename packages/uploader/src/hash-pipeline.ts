import { MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import { linkSignals } from "./abort.js";
import { HASH_BATCH_BYTES, type Hasher } from "./content-hash.js";
import type { FileRecord } from "./file-record.js";
import { SentOriginals } from "./sent-originals.js";
import type { StoreWriter } from "./store.js";
import type { TaskQueue } from "./task-queue.js";

/** What the pipeline uses of the engine's parts (named here: the engine's parts hold the pipeline). */
export type HashPipelineParts = {
  writer: Pick<StoreWriter, "patchFile" | "file">;
  queue: Pick<TaskQueue, "waitingCount" | "limits">;
  /** Counts files not yet registered, so the engine is not idle while they hash. */
  idle: { registrations: number; check(): void };
  life: AbortSignal;
};

/**
 * Hashed bytes worth a job of their own while the queue runs low, however few files hold them (four
 * parts of 8 MiB). A job costs a round trip and the page's work for one more job, next to nothing
 * beside sending this much; holding a 40 MB file for a job's worth of files left a request slot idle
 * until every other file of a 4 × 40 MB selection was hashed.
 */
export const JOB_WORTH_BYTES = 32 * 1024 * 1024;

/** Files hashed in one batch at most (a batch is also bounded by HASH_BATCH_BYTES). */
export const MAX_BATCH_FILES = 128;

/** A held copy is checked on its own: which files will go in its request is not known yet. */
const NONE: ReadonlySet<string> = new Set();

/**
 * Hashes files before they are registered, without making anyone wait for all of them: files are
 * hashed in the order they will be sent (priority, then the order added), and the hashed ones are
 * registered as a job whenever the engine is about to run out of files to send — so the first job
 * holds the first file hashed, and hashing goes on while the first bytes go out. A selection of
 * many files thus becomes a few jobs rather than one; each carries its files' sha256, and the server
 * answers the ones already in the library as duplicates (no byte is sent).
 *
 * Jobs grow: while registered files still wait to be sent, a job is only created once at least
 * twice as many files as the largest one so far are hashed (see #flush). Each job costs a server round
 * trip and the page's work for one more job, and when hashing runs barely ahead of sending, "register
 * whatever is hashed whenever the queue runs low" made jobs of one or two files all batch long.
 *
 * One registration is in flight at a time: while it runs, more files get hashed, and the next job
 * takes all of them (up to the server's 1,000 per job).
 *
 * With a hasher that takes several files at once (`Hasher.many`), small files are hashed in batches
 * of up to HASH_BATCH_BYTES: one message to the worker and one read for the batch instead of one per
 * file, which halved the browser's CPU for hashing 150 KB files (content-hash.ts); that CPU is taken
 * from the sending, on a one-core browser. Batches grow from one file (the first byte waits for the
 * first file's hash alone) by doubling, up to MAX_BATCH_FILES.
 *
 * Only files that could be duplicates are hashed, when the server can say which sizes could be
 * (`duplicateSizes`): equal content means equal size, so a file whose size no photo of the library
 * has — and no other file this pipeline was given — is registered without a hash at once. New photos,
 * the common case, then cost no hashing, which was the page's largest remaining cost while sending
 * (perf log section 25). Until the answer for a size is in, its files are hashed as before (the first
 * byte never waits for the question); when the question fails, they are all hashed. A file whose
 * size a later file shares is hashed only if it was not registered yet.
 *
 * A hashed file that could be a copy of one registered before it and still being sent (same hash,
 * or the same size where that one went unhashed) is held until that one is stored, then registered
 * and answered as its duplicate (SentOriginals): equal files in different jobs were stored twice.
 */
/** A file to hash, with its place in the send order (`priority` is the store's, read at the last sort). */
type Waiting = { r: FileRecord; seq: number; priority: number };

/**
 * Which of `sizes` a file could be a duplicate at (the server's `duplicateSizes`: sizes of the
 * photos job creation answers duplicates with). A rejection means "ask again never, hash them".
 */
export type DuplicateSizes = (sizes: number[], signal: AbortSignal) => Promise<readonly number[]>;

export class HashPipeline {
  /** Files to hash; in send order when `#sorted` (`priority` is the store's, read at the last sort). */
  #waiting: Waiting[] = [];
  #sorted = true;
  /** Hashed files waiting to be registered, each with its size when it was hashed. */
  #ready: { r: FileRecord; bytes: number }[] = [];
  /** Files registered so far, which a later copy of one of them waits for while it is being sent. */
  readonly #originals: SentOriginals;
  /** Ready files held back as possible copies of a file still being sent, in the order they were ready. */
  #copies: { r: FileRecord; bytes: number }[] = [];
  /** The bytes of the files in `#ready`. */
  #readyBytes = 0;
  #registering = false;
  #seq = 0;
  /** Files the next job waits for while registered files are still waiting to be sent. */
  #nextJobFiles = 0;
  /** Files the next batch may hold: 1 at first, doubling per batch (only with `hasher.many`). */
  #batchFiles = 1;
  /** Per size, the files given to this pipeline with it (ids: a retried file is not counted twice). */
  readonly #sizes = new Map<number, Set<string>>();
  /** Per size the server was asked about: whether a duplicate could have it. */
  readonly #couldDuplicate = new Map<number, boolean>();
  /** Sizes to ask about next, and whether a question is out. */
  #toAsk = new Set<number>();
  #asking = false;
  /** Some question was answered (or failed): from then on a file of a size not answered yet waits for its answer. */
  #answered = false;
  /** A question failed: every file is hashed from then on, and nothing more is asked. */
  #noAnswers = false;
  /** A file was taken to be hashed or registered: the first byte is on its way. */
  #tookFirst = false;
  /** Some file waiting may no longer need its hash (an answer came, or new files were counted). */
  #recheck = false;
  /**
   * Batches being hashed (at most `concurrency`): their files, those an answer let go on unhashed
   * meanwhile (`passed`), and the stop for the hashing once none of its files needs it.
   */
  readonly #inFlight = new Set<{ files: FileRecord[]; passed: Set<FileRecord>; stop: AbortController }>();

  constructor(
    private readonly parts: HashPipelineParts,
    private readonly hasher: Hasher,
    private readonly register: (chunk: FileRecord[]) => Promise<void>,
    /**
     * Files hashed at once. One keeps the order strict and gives the first file, which the first
     * byte waits for, the whole read bandwidth; more let one file be read while another is digested.
     */
    private readonly concurrency = 1,
    /** Without it every file is hashed. */
    private readonly duplicateSizes?: DuplicateSizes,
  ) {
    this.#originals = new SentOriginals((id) => parts.writer.file(id));
  }

  add(records: readonly FileRecord[]): void {
    // Appended files keep the order sorted when none outranks the last one waiting: the common
    // case (a selection arriving slice by slice), where re-sorting every file waiting per slice
    // would cost more than the slice itself.
    let last = this.#waiting.at(-1)?.priority ?? Number.POSITIVE_INFINITY;
    for (const r of records) {
      const priority = this.parts.writer.file(r.id)?.priority ?? 0;
      if (priority > last) this.#sorted = false;
      last = priority;
      this.#waiting.push({ r, seq: this.#seq++, priority });
      if (this.duplicateSizes && r.source) this.#count(r.id, r.source.size);
    }
    this.parts.idle.registrations += records.length;
    this.#ask();
    this.#pump();
  }

  #count(id: string, size: number): void {
    const ids = this.#sizes.get(size) ?? new Set<string>();
    ids.add(id);
    this.#sizes.set(size, ids);
    if (!this.#couldDuplicate.has(size)) this.#toAsk.add(size);
    this.#recheck = true;
  }

  /** Asks the server about the sizes not asked yet, one question at a time. */
  #ask(): void {
    const ask = this.duplicateSizes;
    if (!ask || this.#noAnswers || this.#asking || this.#toAsk.size === 0 || this.parts.life.aborted) return;
    const sizes = [...this.#toAsk].slice(0, MAX_FILES_PER_JOB);
    for (const size of sizes) this.#toAsk.delete(size);
    this.#asking = true;
    ask(sizes, this.parts.life)
      .then(
        (answer) => {
          const could = new Set(answer);
          for (const size of sizes) this.#couldDuplicate.set(size, could.has(size));
        },
        // No answer (an older server, the network): every file is hashed, as without the question.
        () => {
          this.#noAnswers = true;
        },
      )
      .finally(() => {
        this.#asking = false;
        this.#answered = true;
        this.#recheck = true;
        this.#passHashing();
        this.#ask();
        this.#pump();
      });
  }

  /**
   * Whether `r` is hashed before it is registered, registered without a hash, or waits for the
   * answer about its size. The very first file is hashed while the first question is out: the first
   * byte never waits for the question (the others wait a round trip, while the first is sent), and if
   * the answer clears its size before its hash is done, it goes on unhashed then (#passHashing).
   */
  #need(r: FileRecord): "hash" | "pass" | "wait" {
    if (!this.duplicateSizes || this.#noAnswers || !r.source) return "hash";
    const size = r.source.size;
    if ((this.#sizes.get(size)?.size ?? 0) > 1) return "hash";
    const could = this.#couldDuplicate.get(size);
    if (could === undefined) return this.#answered || this.#tookFirst ? "wait" : "hash";
    return could ? "hash" : "pass";
  }

  /** Files waiting that need no hash go to be registered now, in the order they wait. */
  #passUnhashed(): void {
    if (!this.#recheck || !this.duplicateSizes) return;
    this.#recheck = false;
    const still: Waiting[] = [];
    for (const w of this.#waiting) {
      if (this.#skip(w.r)) continue;
      if (this.#need(w.r) === "pass") this.#readyUp(w.r);
      else still.push(w);
    }
    this.#waiting = still;
  }

  /**
   * Files being hashed that an answer now lets go unhashed (the very first file, hashed while the
   * first question was out) are registered at once instead of after their hash: a 40 MB file's first
   * byte no longer waits ~200 ms for a digest nobody needs. A batch none of whose files still needs its
   * hash is stopped (the worker's CPU is the sending's, on a one-core browser).
   */
  #passHashing(): void {
    for (const flight of this.#inFlight) {
      for (const r of flight.files) {
        if (flight.passed.has(r) || this.#gone(r) || this.#need(r) !== "pass") continue;
        flight.passed.add(r);
        this.#readyUp(r);
      }
      if (flight.passed.size === flight.files.length)
        flight.stop.abort(new Error("no file of the batch needs its hash"));
    }
  }

  #readyUp(r: FileRecord): void {
    this.#tookFirst = true;
    const bytes = r.source!.size;
    this.#ready.push({ r, bytes });
    this.#readyBytes += bytes;
  }

  /** A file's priority changed (the store holds it): files not hashed yet follow it. */
  reprioritized(): void {
    this.#sorted = false;
  }

  #pump(): void {
    if (!this.#sorted && this.#waiting.length > 1) {
      // Higher priority first, then the order added: the order the queue will send them in.
      for (const w of this.#waiting) w.priority = this.parts.writer.file(w.r.id)?.priority ?? 0;
      this.#waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    }
    this.#sorted = true;
    this.#passUnhashed();
    while (this.#inFlight.size < this.concurrency && this.#waiting.length > 0) {
      const batch = this.#takeBatch();
      // Nothing left to hash, or the next file waits for the answer about its size.
      if (batch.length === 0) break;
      void this.#hash(batch);
    }
    this.#flush();
  }

  /** The next files to hash, in send order: up to `#batchFiles` of them and HASH_BATCH_BYTES together. */
  #takeBatch(): FileRecord[] {
    const batch: FileRecord[] = [];
    let bytes = 0;
    while (this.#waiting.length > 0 && batch.length < this.#batchFiles) {
      const { r } = this.#waiting[0]!;
      if (this.#skip(r)) {
        this.#waiting.shift();
        continue;
      }
      const need = this.#need(r);
      if (need === "wait") break; // its size's answer comes, then the pump takes it
      if (need === "pass") {
        this.#waiting.shift();
        this.#readyUp(r);
        continue;
      }
      const size = r.source!.size;
      if (batch.length > 0 && bytes + size > HASH_BATCH_BYTES) break;
      this.#waiting.shift();
      batch.push(r);
      bytes += size;
      this.#tookFirst = true;
    }
    if (batch.length > 0 && this.hasher.many) this.#batchFiles = Math.min(MAX_BATCH_FILES, this.#batchFiles * 2);
    return batch;
  }

  async #hash(batch: FileRecord[]): Promise<void> {
    const flight = { files: batch, passed: new Set<FileRecord>(), stop: new AbortController() };
    this.#inFlight.add(flight);
    const { signal: life, dispose } = linkSignals(this.parts.life, flight.stop.signal);
    try {
      const sources = batch.map((r) => r.source!);
      const many = this.hasher.many;
      const results = many && batch.length > 1 ? await many(sources, life) : [await this.hasher(sources[0]!, life)];
      results.forEach((sha256, i) => {
        // A file that could not be read goes without its hash, as below.
        if (typeof sha256 === "string") this.parts.writer.patchFile(batch[i]!.id, { sha256 });
      });
    } catch {
      // Unreadable now, or stopped: the file is registered without a hash (no dedupe) and its own
      // upload reports what is wrong with it. After destroy nothing is registered at all.
    } finally {
      dispose();
      this.#inFlight.delete(flight);
      for (const r of batch) if (!flight.passed.has(r) && !this.#skip(r)) this.#readyUp(r);
      this.#pump();
    }
  }

  /** Cancelled before its job existed (or the engine is gone): never registered. */
  #skip(r: FileRecord): boolean {
    const gone = this.#gone(r);
    if (gone) this.#settled(1);
    return gone;
  }

  #gone(r: FileRecord): boolean {
    return this.parts.life.aborted || !r.source || this.parts.writer.file(r.id)?.status === "CANCELLED";
  }

  #flush(): void {
    this.#releaseCopies();
    if (this.#registering || this.#ready.length === 0) return;
    const allHashed = this.#waiting.length === 0 && this.#inFlight.size === 0;
    const { waitingCount, limits } = this.parts.queue;
    // Nothing registered is left to start: sending stalls, so register what is hashed now — once it
    // can fill the slots (the first job excepted: the first byte waits for it). Hashing is then the
    // slower side and sets the pace whatever the jobs' size, so waiting for a slot's worth costs
    // little, while a job per file or two (under load: 50 jobs for 100 files) costs a create, a
    // subscription and a view fetch each.
    const starving = waitingCount === 0 && this.#ready.length >= Math.min(this.#nextJobFiles, limits.maxActiveFiles);
    // Running low (fewer waiting than can run at once): register once the job is worth its cost.
    // Large files are worth a job by their bytes alone (JOB_WORTH_BYTES).
    const enough =
      waitingCount < limits.maxActiveFiles &&
      (this.#ready.length >= this.#nextJobFiles || this.#readyBytes >= JOB_WORTH_BYTES);
    if (!allHashed && !starving && !enough && this.#ready.length < MAX_FILES_PER_JOB) return;
    const chunk = this.#takeChunk();
    if (chunk.length === 0) return; // every file ready waits for the file it could be a copy of
    // The floor only grows: a small job made because sending would stall (starving) must not bring
    // the next ones back down to a few files each, or a batch whose hashing runs barely ahead of its
    // sending becomes a job per file or two (each a create, a subscription and the page's work).
    this.#nextJobFiles = Math.min(
      MAX_FILES_PER_JOB,
      Math.max(this.#nextJobFiles, limits.maxActiveFiles, 2 * chunk.length),
    );
    this.#registering = true;
    void this.register(chunk).finally(() => {
      this.#registering = false;
      this.#settled(chunk.length);
      this.#flush();
    });
  }

  /**
   * The next job's files: those ready, in order, up to the server's limit, but for the possible
   * copies of a file still being sent, which are held back (#copies) and remembered for later.
   */
  #takeChunk(): FileRecord[] {
    const chunk: FileRecord[] = [];
    const inChunk = new Set<string>();
    let taken = 0;
    for (const entry of this.#ready) {
      if (chunk.length === MAX_FILES_PER_JOB) break;
      taken++;
      this.#readyBytes -= entry.bytes;
      const { r } = entry;
      const sha256 = this.#sha256(r);
      if (this.#waitsForOriginal(r, sha256, inChunk)) {
        this.#copies.push(entry);
        this.parts.writer.patchFile(r.id, { awaitingOriginal: true });
        continue;
      }
      this.#originals.add(r.id, sha256, r.source?.size ?? 0);
      chunk.push(r);
      inChunk.add(r.id);
    }
    this.#ready.splice(0, taken);
    return chunk;
  }

  /** Held copies whose originals are stored (or no longer being sent) go first in line again. */
  #releaseCopies(): void {
    if (this.#copies.length === 0) return;
    const released: { r: FileRecord; bytes: number }[] = [];
    const still: { r: FileRecord; bytes: number }[] = [];
    for (const entry of this.#copies) {
      const gone = this.#skip(entry.r);
      if (!gone && this.#waitsForOriginal(entry.r, this.#sha256(entry.r), NONE)) {
        still.push(entry);
        continue;
      }
      // No longer held, free to go or cancelled (a retry queues it again, checked anew): the flag
      // `#takeChunk` set goes with it, so the store says "held" exactly while it is in #copies.
      this.parts.writer.patchFile(entry.r.id, { awaitingOriginal: false });
      if (!gone) released.push(entry);
    }
    this.#copies = still;
    for (const entry of released) this.#readyBytes += entry.bytes;
    this.#ready.unshift(...released);
  }

  #sha256(r: FileRecord): string | null {
    return this.parts.writer.file(r.id)?.sha256 ?? null;
  }

  /** A hashed file that could be a copy of one still being sent (an unhashed one cannot be told apart). */
  #waitsForOriginal(r: FileRecord, sha256: string | null, alongside: ReadonlySet<string>): boolean {
    return sha256 !== null && this.#originals.waits(r.id, sha256, r.source?.size ?? 0, alongside);
  }

  #settled(count: number): void {
    this.parts.idle.registrations -= count;
    this.parts.idle.check();
  }

  /**
   * The queue moved (a file started, finished or stopped): it may be time for the next job, or a
   * held copy's original may be stored.
   */
  queueChanged(): void {
    this.#flush();
  }
}
