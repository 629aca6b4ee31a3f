import {
  foldJob,
  isInLibrary,
  type JobSummary,
  type JobView,
  jobTopic,
  type PushMessage,
  type SeqFrom,
  SKIP_FOLLOWED_JOBS_HEADER,
  USER_JOBS_QUEUE,
} from "@rapidphoto/protocol";
import type { QueryClient } from "@tanstack/react-query";
import { uploadKeys } from "../api/upload-jobs";
import { applyPushToJobView, newerJobView } from "./job-view";
import type { RealtimeClient } from "./realtime-client";
import { SeqTracker } from "./seq-tracker";

/** While the socket is down, followed jobs are fetched this often instead (DESIGN §6 fallback). */
export const POLL_MS = 3_000;

/** Bounds what a job that never answers its first fetch can make us hold; status pushes come first anyway. */
const MAX_EARLY_PUSHES = 5_000;

export type LiveSyncOptions = {
  queryClient: QueryClient;
  /** The engine's merge of a push (`uploader.applyServerMessage`). */
  apply(message: PushMessage): void;
  /** The engine's merge of a fetched view (`uploader.applyJobView`). */
  applyView(view: JobView): void;
  fetchJob(jobId: string, signal: AbortSignal): Promise<JobView>;
  /**
   * A job this tab's engine registered (`uploader.job`), undefined for any other. The engine is the
   * one holder of such a job (its files' statuses, the job's counts and `seq`): pushes and fetched
   * views of it go there and never into the query cache, and the session tells the library when
   * one of its photos arrives there.
   */
  ownJob(jobId: string): { seq: number } | undefined;
  /** Photos that reached the library or changed status there. */
  onLibraryChanged(photoIds: string[]): void;
  /**
   * Settles once the jobs this tab's engine is creating now are answered and taken in, so that
   * `ownJob` knows them (undefined when it creates none; `uploader.jobsBeingCreated`): a job's first
   * push can beat its create answer, and must not count as a job from elsewhere then.
   */
  jobsBeingCreated?(): Promise<void> | undefined;
  /**
   * What `liveSince` said when the create of this tab's job was sent (undefined if unknown). A job
   * created while the user queue was live on the connection that is still up was heard of from its
   * create on: every push about it came on the queue (routed before its topic was followed) or on
   * the topic, so the create answer is its baseline and subscribing fetches nothing.
   */
  createSentAt?(jobId: string): number | undefined;
  pollMs?: number;
};

/**
 * Keeps the engine and TanStack Query in step with the server for the jobs the panel follows:
 * subscribes to `/topic/job/{jobId}` per job and to `/user/queue/jobs`, feeds pushes of this tab's
 * jobs to the engine and those of other jobs into the cached job views, refetches a job when its
 * `seq` shows a gap or its subscription (re)starts, and polls while the socket is down.
 */
export class LiveSync {
  readonly #o: LiveSyncOptions;
  /** Gaps are measured against the `seq` of the job's one holder: the engine, or the cached view. */
  readonly #seq = new SeqTracker(
    (jobId) => this.#o.ownJob(jobId)?.seq ?? this.#cachedView(jobId)?.seq,
    (jobId) => this.#jobs.has(jobId),
  );
  /** The cache writes of the frame being applied, made together when it is done (see #applyFrame). */
  #frame: FrameWrites | null = null;
  /** Followed jobs → their topic unsubscribe (null while there is no connection). */
  readonly #jobs = new Map<string, (() => void) | null>();
  readonly #inflight = new Map<string, Promise<JobView>>();
  /** Aborted by destroy: fetches of this tab's jobs (other jobs' fetches belong to the query cache). */
  readonly #life = new AbortController();
  /** Pushes that arrived before a job's first fetch returned (see #keepEarly). */
  readonly #early = new Map<string, PushMessage[]>();
  /** Jobs first heard of on the user queue while this tab was creating jobs: decided once those are answered. */
  readonly #unsure = new Set<string>();
  #realtime: RealtimeClient | null = null;
  /** Counts the user queue's confirmed subscriptions; see liveSince. */
  #queueSubscriptions = 0;
  #queueLive = false;
  #stopRealtime: (() => void) | null = null;
  #poll: ReturnType<typeof setInterval> | null = null;

  constructor(options: LiveSyncOptions) {
    this.#o = options;
  }

  /** Uses `realtime` for pushes until `disconnect`; subscriptions follow the tracked jobs. */
  connect(realtime: RealtimeClient): void {
    this.disconnect();
    this.#realtime = realtime;
    const stopUser = realtime.subscribe(
      USER_JOBS_QUEUE,
      {
        onMessages: (messages, seqFrom) => this.#applyFrame(messages, seqFrom, (m) => this.#onUserMessage(m)),
        onSubscribed: () => {
          this.#queueSubscriptions++;
          this.#queueLive = true;
          // Jobs may have started elsewhere while we were away.
          void this.#o.queryClient.invalidateQueries({ queryKey: uploadKeys.active() });
        },
      },
      // A followed job's messages come on its topic; the queue need not bring them again.
      { [SKIP_FOLLOWED_JOBS_HEADER]: "true" },
    );
    const stopState = realtime.onStateChange((state) => {
      if (state !== "connected") this.#queueLive = false;
      this.#updatePolling();
    });
    this.#stopRealtime = () => {
      stopUser();
      stopState();
    };
    for (const jobId of this.#jobs.keys()) this.#subscribe(jobId);
    this.#updatePolling();
  }

  /**
   * Names the user queue's subscription confirmed on the connection that is up now, 0 while there
   * is none (the engine's creates note it when sent: createSentAt). Anything about a job created
   * after it is pushed on that connection, on the queue or on the job's topic.
   */
  get liveSince(): number {
    return this.#queueLive ? this.#queueSubscriptions : 0;
  }

  disconnect(): void {
    this.#queueLive = false;
    this.#stopRealtime?.();
    this.#stopRealtime = null;
    for (const [jobId, stop] of this.#jobs) {
      stop?.();
      this.#jobs.set(jobId, null);
    }
    this.#realtime = null;
    this.#updatePolling();
  }

  /** Follows exactly these jobs from now on. */
  track(jobIds: Iterable<string>): void {
    const wanted = new Set(jobIds);
    for (const [jobId, stop] of this.#jobs) {
      if (wanted.has(jobId)) continue;
      stop?.();
      this.#jobs.delete(jobId);
      this.#early.delete(jobId);
      this.#seq.reset(jobId);
    }
    for (const jobId of wanted) {
      if (this.#jobs.has(jobId)) continue;
      this.#jobs.set(jobId, null);
      this.#subscribe(jobId);
    }
    this.#updatePolling();
  }

  /**
   * Fetches the job, merges it into its holder (the engine for this tab's jobs, else the query
   * cache, never behind what pushes already brought) and makes it the job's `seq` baseline.
   * Concurrent calls share one request.
   */
  resync(jobId: string): Promise<JobView> {
    const running = this.#inflight.get(jobId);
    if (running) return running;
    const fetched = this.#owns(jobId)
      ? this.#syncOwn(jobId)
      : this.#o.queryClient.fetchQuery({
          queryKey: uploadKeys.job(jobId),
          queryFn: ({ signal }) => this.fetchJobView(jobId, signal),
          staleTime: 0,
        });
    const work = fetched.finally(() => this.#inflight.delete(jobId));
    this.#inflight.set(jobId, work);
    return work;
  }

  /**
   * The query function of a job view: fetch, fold in the pushes that arrived meanwhile, then sync
   * the engine and the `seq` baseline from the result.
   */
  async fetchJobView(jobId: string, signal: AbortSignal): Promise<JobView> {
    const { queryClient } = this.#o;
    const before = queryClient.getQueryData<JobView>(uploadKeys.job(jobId));
    const fetched = await this.#o.fetchJob(jobId, signal);
    let view = newerJobView(queryClient.getQueryData<JobView>(uploadKeys.job(jobId)), fetched);
    for (const message of this.#early.get(jobId) ?? []) view = applyPushToJobView(view, message);
    this.#early.delete(jobId);
    this.#seq.baseline(jobId);
    const moved = libraryMoved(before, view);
    if (moved.length) this.#o.onLibraryChanged(moved);
    return view;
  }

  /** This tab's job: the engine merges the view as it merges pushes (forward only), so no early pushes are kept. */
  async #syncOwn(jobId: string): Promise<JobView> {
    const view = await this.#o.fetchJob(jobId, this.#life.signal);
    this.#o.applyView(view);
    this.#seq.baseline(jobId);
    return view;
  }

  #owns(jobId: string): boolean {
    return this.#o.ownJob(jobId) !== undefined;
  }

  destroy(): void {
    this.#life.abort();
    this.disconnect();
    this.track([]);
  }

  #subscribe(jobId: string): void {
    const realtime = this.#realtime;
    if (!realtime) return;
    this.#seq.reset(jobId);
    const stop = realtime.subscribe(jobTopic(jobId), {
      onMessages: (messages, seqFrom) => this.#applyFrame(messages, seqFrom, (m) => this.#onJobMessage(m)),
      // Live from here on: what happened before is read once (also after every reconnect), unless
      // this tab created the job while listening and has heard everything since (createSentAt).
      onSubscribed: () => {
        if (this.#heardSinceCreate(jobId)) this.#seq.baseline(jobId);
        else void this.resync(jobId).catch(() => {});
      },
    });
    this.#jobs.set(jobId, stop);
  }

  /**
   * Applies the messages of one frame (one push, or a batch) one by one, in order, with the cache
   * writes they make held and made once at the end: one write per job view and one for the list of
   * jobs however many messages the batch holds, one library announcement, then any refetch a gap
   * asked for. The engine takes its messages as they come; its store already writes at its own pace.
   */
  #applyFrame(
    messages: readonly PushMessage[],
    seqFrom: SeqFrom | undefined,
    each: (message: PushMessage) => void,
  ): void {
    const frame: FrameWrites = { views: new Map(), jobs: null, library: [], gaps: new Set(), seqFrom, checked: null };
    this.#frame = frame;
    try {
      for (const message of messages) each(message);
    } finally {
      this.#frame = null;
    }
    const { queryClient } = this.#o;
    for (const [jobId, view] of frame.views) queryClient.setQueryData<JobView>(uploadKeys.job(jobId), view);
    if (frame.jobs) queryClient.setQueryData<JobSummary[]>(uploadKeys.active(), frame.jobs.list);
    if (frame.library.length) this.#o.onLibraryChanged(frame.library);
    for (const jobId of frame.gaps) void this.resync(jobId).catch(() => {});
  }

  /** A job's cached view as the frame being applied has left it. */
  #cachedView(jobId: string): JobView | undefined {
    return this.#frame?.views.get(jobId) ?? this.#o.queryClient.getQueryData<JobView>(uploadKeys.job(jobId));
  }

  /** The cached list of jobs as the frame being applied has left it. */
  #cachedJobs(): JobSummary[] | undefined {
    const held = this.#frame?.jobs;
    return held ? held.list : this.#o.queryClient.getQueryData<JobSummary[]>(uploadKeys.active());
  }

  #onJobMessage(message: PushMessage): void {
    if (this.#jobs.has(message.jobId)) {
      this.#onFollowed(message);
    } else if (message.type === "job") {
      // Dropped from the followed jobs, but the server has not seen the UNSUBSCRIBE yet and so left
      // the message out of the user queue (SKIP_FOLLOWED_JOBS_HEADER): the list of jobs takes it here.
      this.#onListed(message);
    }
  }

  /**
   * The caller's job lifecycle. The server decides where a message goes when it routes it: one
   * routed while this connection did not follow the job on its topic comes here only, even if the
   * follow has begun since (the server sends it before anything of the topic).
   */
  #onUserMessage(message: PushMessage): void {
    if (message.type !== "job") return;
    if (this.#jobs.has(message.jobId)) this.#onFollowed(message);
    else this.#onListed(message);
  }

  /** A push about a followed job: into its holder, and a refetch if its `seq` shows a gap. */
  #onFollowed(message: PushMessage): void {
    const { jobId } = message;
    const seq = this.#seqToCheck(message);
    const verdict = seq === null ? "in-order" : this.#observe(jobId, seq);
    this.#absorb(message);
    if (verdict === "gap") this.#frame?.gaps.add(jobId);
  }

  /**
   * The `seq` a push is checked at, null for none. A batch that left out some of a job's job
   * messages (a job message is superseded by the next) says where it starts for that job: that is
   * checked once, at the job's first push in the frame; the batch holds the rest of its span.
   */
  #seqToCheck(message: PushMessage): number | null {
    const frame = this.#frame;
    const from = frame?.seqFrom?.[message.jobId];
    if (frame === null || from === undefined) return message.seq;
    frame.checked ??= new Set();
    if (frame.checked.has(message.jobId)) return null;
    frame.checked.add(message.jobId);
    return from;
  }

  /**
   * A push's `seq` against its job's holder. A job this tab created while listening has its
   * baseline from its create answer (createSentAt), so a gap counts before its topic is followed too.
   * The tracker keeps that baseline only while the job is followed (a gap still counts there once the
   * mark is dropped); one no longer followed is asked afresh each time and leaves nothing behind.
   */
  #observe(jobId: string, seq: number) {
    const fromCreate = this.#heardSinceCreate(jobId);
    if (fromCreate) this.#seq.baseline(jobId);
    return this.#seq.observe(jobId, seq, fromCreate);
  }

  /** This tab's job, created while the user queue was live on the connection still up (see createSentAt). */
  #heardSinceCreate(jobId: string): boolean {
    const sentAt = this.#o.createSentAt?.(jobId);
    return sentAt !== undefined && sentAt !== 0 && sentAt === this.liveSince && this.#owns(jobId);
  }

  /** A job message for the list of jobs (a job this connection does not follow on its topic). */
  #onListed(message: PushMessage): void {
    const known = this.#owns(message.jobId) || this.#cachedJobs()?.some((j) => j.jobId === message.jobId);
    // Counts only for this tab's jobs created while listening (#observe): other jobs have no baseline here.
    const verdict = this.#observe(message.jobId, message.seq);
    this.#absorb(message);
    if (verdict === "gap") this.#frame?.gaps.add(message.jobId);
    // A job started in another tab or on another device: the panel should show it. (One this tab's
    // engine registered is not: the queue brings its first messages before its topic is followed,
    // and refetching the list for each of a selection's jobs cost 0.26 s of script at 1,000 files.)
    if (known) return;
    const creating = this.#o.jobsBeingCreated?.();
    if (!creating) {
      this.#refetchJobs();
      return;
    }
    // Likely this tab's own, its create answer still on the way: a refetch of the list (and of the
    // job's view, which the panel would then show as a job from elsewhere) per job of a selection
    // was 2 of the ~4 requests each job cost.
    if (this.#unsure.size === 0) this.#afterCreates(creating);
    this.#unsure.add(message.jobId);
  }

  /** Decides the unsure jobs once no create is in flight (by then `ownJob` knows every job created). */
  #afterCreates(creating: Promise<void>): void {
    const next = () => this.#settleUnsure();
    void creating.then(next, next);
  }

  /** The jobs heard of while creating that turned out not to be this tab's: from elsewhere after all. */
  #settleUnsure(): void {
    if (this.#life.signal.aborted) return;
    const creating = this.#o.jobsBeingCreated?.();
    if (creating) {
      this.#afterCreates(creating);
      return;
    }
    const unsure = [...this.#unsure];
    this.#unsure.clear();
    const listed = new Set(this.#cachedJobs()?.map((j) => j.jobId));
    if (unsure.some((jobId) => !this.#owns(jobId) && !listed.has(jobId))) this.#refetchJobs();
  }

  #refetchJobs(): void {
    void this.#o.queryClient.invalidateQueries({ queryKey: uploadKeys.active() }, { cancelRefetch: false });
  }

  /** Into the engine; other jobs' into their cached view and the cached list of jobs (see #applyFrame). */
  #absorb(message: PushMessage): void {
    const frame = this.#frame;
    if (!frame) throw new Error("live sync: a push applied outside a frame");
    this.#o.apply(message); // the engine takes only its own jobs' (a push may beat its store's first frame)
    if (this.#owns(message.jobId)) return;
    const view = this.#cachedView(message.jobId);
    if (view) {
      const next = applyPushToJobView(view, message);
      if (next !== view) frame.views.set(message.jobId, next);
    } else if (this.#jobs.has(message.jobId)) {
      this.#keepEarly(message);
    }
    if (message.type === "job") {
      const jobs = this.#cachedJobs();
      const index = jobs?.findIndex((j) => j.jobId === message.jobId) ?? -1;
      const job = jobs?.[index];
      if (!jobs || !job) return;
      const next = foldJob(job, message);
      if (next !== job) frame.jobs = { list: jobs.with(index, next) };
    } else if (isInLibrary(message.status)) {
      frame.library.push(message.photoId);
    }
  }

  /**
   * A push for a followed job whose view is not cached yet (its first fetch is on the way). The
   * fetch may have been answered before this change, so the push is folded into its result.
   */
  #keepEarly(message: PushMessage): void {
    const early = this.#early.get(message.jobId) ?? [];
    if (early.length >= MAX_EARLY_PUSHES) early.shift();
    early.push(message);
    this.#early.set(message.jobId, early);
  }

  #updatePolling(): void {
    const down = this.#realtime?.state !== "connected";
    const wanted = this.#realtime !== null && down && this.#jobs.size > 0;
    if (wanted && !this.#poll) {
      const pollMs = this.#o.pollMs ?? POLL_MS;
      this.#poll = setInterval(() => {
        for (const jobId of this.#jobs.keys()) void this.resync(jobId).catch(() => {});
      }, pollMs);
    } else if (!wanted && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = null;
    }
  }
}

/** What one frame's messages change in the query cache, written when the frame is done. */
type FrameWrites = {
  views: Map<string, JobView>;
  /** The list of jobs, once a message changed it. */
  jobs: { list: JobSummary[] } | null;
  /** Photos that reached the library or changed status there. */
  library: string[];
  /** Jobs whose `seq` showed a gap: refetched once the frame is written. */
  gaps: Set<string>;
  /** Where the batch starts per job whose earlier job messages it left out (PushBatch `seqFrom`). */
  seqFrom: SeqFrom | undefined;
  /** The jobs of `seqFrom` already checked in this frame. */
  checked: Set<string> | null;
};

/** Whether a photo entered or changed within the library's statuses between two views. */
function libraryMoved(before: JobView | undefined, after: JobView): string[] {
  const old = new Map(before?.photos.map((p) => [p.photoId, p.status]));
  return after.photos.filter((p) => isInLibrary(p.status) && old.get(p.photoId) !== p.status).map((p) => p.photoId);
}
