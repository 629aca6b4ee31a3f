import type { JobSummary, JobView, PhotoMessage, PushMessage } from "@rapidphoto/protocol";
import { jobPush, jobView, jobViewPhoto, photoPush } from "@rapidphoto/protocol/testing";
import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { uploadKeys } from "../api/upload-jobs";
import { LiveSync } from "./live-sync";
import type { ConnectionState, PushHandler, RealtimeClient } from "./realtime-client";

const JOB = "job_aaaaaaaaaaaa";

/** A realtime client driven by the test: it decides when subscriptions go live and what arrives. */
class FakeRealtime implements RealtimeClient {
  state: ConnectionState = "connecting";
  readonly droppedCount = 0;
  readonly subs = new Map<string, Set<PushHandler>>();
  readonly #listeners = new Set<(s: ConnectionState) => void>();

  readonly headers = new Map<string, Record<string, string> | undefined>();
  subscribe(destination: string, handler: PushHandler, headers?: Record<string, string>) {
    this.headers.set(destination, headers);
    const set = this.subs.get(destination) ?? new Set<PushHandler>();
    this.subs.set(destination, set);
    set.add(handler);
    return () => set?.delete(handler);
  }
  onStateChange(listener: (s: ConnectionState) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  async close() {}
  setState(state: ConnectionState) {
    this.state = state;
    for (const l of this.#listeners) l(state);
  }
  /** One subscription confirmed (its RECEIPT). */
  confirm(destination: string) {
    for (const h of this.subs.get(destination) ?? []) h.onSubscribed?.();
  }
  /** Connected and every subscription confirmed (as after a (re)connect). */
  goLive() {
    this.setState("connected");
    for (const set of this.subs.values()) for (const h of set) h.onSubscribed?.();
  }
  push(destination: string, message: PushMessage) {
    this.pushBatch(destination, [message]);
  }
  /** One frame holding several messages (a batch body), `seqFrom` as the batch says it. */
  pushBatch(destination: string, messages: PushMessage[], seqFrom?: Record<string, number>) {
    for (const h of this.subs.get(destination) ?? []) h.onMessages(messages, seqFrom);
  }
}

/** The job at `seq`, its one photo (ph_1) in `status`. */
const view = (seq: number, status: JobView["photos"][number]["status"] = "UPLOADING"): JobView =>
  jobView({ jobId: JOB, seq, photos: [jobViewPhoto({ photoId: "ph_1", status })] });

const photo = (seq: number, status: PhotoMessage["status"], progressPercent = 0): PhotoMessage =>
  photoPush({ jobId: JOB, photoId: "ph_1", status, progressPercent, bytesSent: progressPercent, seq });

const jobMessage = (jobId: string, seq: number) => jobPush({ jobId, seq });

/** The engine keeps the highest `seq` of its own jobs' pushes and views (mergeJobReport). */
function engineTakes(report: { jobId: string; seq: number }) {
  const job = owned.get(report.jobId);
  if (job) job.seq = Math.max(job.seq, report.seq);
}

/** The next fetch of the job stays out until the test answers it with the returned function. */
function holdNextFetch(): (view: JobView) => void {
  let resolve: ((view: JobView) => void) | undefined;
  fetchJob.mockImplementationOnce(
    () =>
      new Promise((r) => {
        resolve = r;
      }),
  );
  return (view) => resolve?.(view);
}

/**
 * The job's first fetch answers at seq 7 after a push at 9 arrived (`afterFetch` checks its holder
 * kept 9); then a push at 10, its duplicate and a late one at 8 fetch nothing, and one at 12 (11
 * never came) fetches once.
 */
async function gapsAfterSlowFirstFetch(afterFetch: () => void) {
  const topic = `/topic/job/${JOB}`;
  sync.track([JOB]);
  const resolve = holdNextFetch();
  realtime.goLive();
  realtime.push(topic, photo(9, "PROCESSING", 100)); // while the fetch (at 7) is out
  resolve(view(7));
  await flush();
  await flush();
  afterFetch();
  fetchJob.mockClear();

  realtime.push(topic, photo(10, "COMPLETED", 100));
  realtime.push(topic, photo(10, "COMPLETED", 100)); // duplicate
  realtime.push(topic, photo(8, "UPLOADING", 50)); // late
  await flush();
  expect(fetchJob).not.toHaveBeenCalled();
  realtime.push(topic, photo(12, "COMPLETED", 100)); // 11 never came
  await flush();
  expect(fetchJob).toHaveBeenCalledTimes(1);
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
/** A few turns of the microtask queue, no task: what runs now follows from promises alone. */
const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let queryClient: QueryClient;
let realtime: FakeRealtime;
let applied: PushMessage[];
let appliedViews: JobView[];
/** This tab's jobs as the engine holds them: their `seq`, folded forward like the engine's merge does. */
let owned: Map<string, { seq: number }>;
let fetchJob: ReturnType<typeof vi.fn<(jobId: string, signal: AbortSignal) => Promise<JobView>>>;
let libraryChanges: number;
let libraryPhotos: string[][];
let sync: LiveSync;
/** What `jobsBeingCreated` answers: the creates this tab's engine has in flight. */
let creating: Promise<void> | undefined;
/** `liveSince` when each of this tab's creates was sent (createSentAt). */
let sentAt: Map<string, number>;

beforeEach(() => {
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  realtime = new FakeRealtime();
  applied = [];
  appliedViews = [];
  owned = new Map();
  libraryChanges = 0;
  libraryPhotos = [];
  fetchJob = vi.fn(async () => view(5));
  creating = undefined;
  sentAt = new Map();
  sync = new LiveSync({
    queryClient,
    apply: (m) => {
      applied.push(m);
      engineTakes(m);
    },
    applyView: (v) => {
      appliedViews.push(v);
      engineTakes(v);
    },
    ownJob: (jobId) => owned.get(jobId),
    fetchJob,
    onLibraryChanged: (photoIds) => {
      libraryChanges++;
      libraryPhotos.push(photoIds);
    },
    pollMs: 1_000,
    jobsBeingCreated: () => creating,
    createSentAt: (jobId) => sentAt.get(jobId),
  });
  sync.connect(realtime);
});

afterEach(() => {
  sync.destroy();
  queryClient.clear();
  vi.useRealTimers();
});

describe("LiveSync", () => {
  it("subscribes to the user queue and each followed job, and unsubscribes when a job is dropped", () => {
    sync.track([JOB]);
    expect(realtime.subs.get("/user/queue/jobs")?.size).toBe(1);
    expect(realtime.subs.get(`/topic/job/${JOB}`)?.size).toBe(1);
    sync.track([]);
    expect(realtime.subs.get(`/topic/job/${JOB}`)?.size).toBe(0);
  });

  it("fetches the job once its subscription is live, and caches another tab's job", async () => {
    sync.track([JOB]);
    expect(fetchJob).not.toHaveBeenCalled();
    realtime.goLive();
    await flush();
    expect(fetchJob).toHaveBeenCalledTimes(1);
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.seq).toBe(5);
    expect(appliedViews).toEqual([]);
  });

  it("feeds this tab's own job to the engine alone: its fetched view and its pushes, never the cache", async () => {
    owned.set(JOB, { seq: 0 });
    sync.track([JOB]);
    realtime.goLive();
    await flush();
    expect(appliedViews.map((v) => v.seq)).toEqual([5]);
    realtime.push(`/topic/job/${JOB}`, photo(6, "PROCESSING", 100));
    expect(applied).toMatchObject([{ type: "photo", status: "PROCESSING", seq: 6 }]);
    expect(queryClient.getQueryData(uploadKeys.job(JOB))).toBeUndefined();
    expect(libraryChanges).toBe(0); // the session sees its own photos arrive in the engine
    fetchJob.mockResolvedValueOnce(view(9, "COMPLETED"));
    realtime.push(`/topic/job/${JOB}`, photo(9, "COMPLETED", 100)); // 7 and 8 never came
    await flush();
    expect(appliedViews.map((v) => v.seq)).toEqual([5, 9]);
    expect(queryClient.getQueryData(uploadKeys.job(JOB))).toBeUndefined();
  });

  it("applies pushes to the engine and the cached view, and refetches on a seq gap only", async () => {
    sync.track([JOB]);
    realtime.goLive();
    await flush();
    fetchJob.mockClear();

    realtime.push(`/topic/job/${JOB}`, photo(5, "UPLOADING", 40)); // progress: current seq, no bump
    realtime.push(`/topic/job/${JOB}`, photo(6, "PROCESSING", 100));
    await flush();
    expect(fetchJob).not.toHaveBeenCalled();
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.photos[0]?.status).toBe("PROCESSING");
    expect(libraryChanges).toBe(1);

    fetchJob.mockResolvedValueOnce(view(9, "COMPLETED"));
    realtime.push(`/topic/job/${JOB}`, photo(9, "COMPLETED", 100)); // 7 and 8 never came
    await flush();
    expect(fetchJob).toHaveBeenCalledTimes(1);
  });

  it("applies a batch in order with one write to the job's cached view and one to the list of jobs", async () => {
    const twoPhotos = (seq: number): JobView =>
      jobView({
        jobId: JOB,
        seq,
        photos: [
          jobViewPhoto({ photoId: "ph_1", status: "UPLOADING" }),
          jobViewPhoto({ photoId: "ph_2", status: "UPLOADING" }),
        ],
      });
    fetchJob.mockResolvedValueOnce(twoPhotos(5));
    queryClient.setQueryData(uploadKeys.active(), [{ ...jobMessage(JOB, 5), type: undefined }]);
    sync.track([JOB]);
    realtime.goLive();
    await flush();
    fetchJob.mockClear();
    const writes = vi.spyOn(queryClient, "setQueryData");

    const second = (seq: number, status: PhotoMessage["status"]) => ({ ...photo(seq, status, 100), photoId: "ph_2" });
    realtime.pushBatch(`/topic/job/${JOB}`, [
      photo(6, "PROCESSING", 100),
      jobPush({ jobId: JOB, seq: 7, processingCount: 1 }),
      second(8, "PROCESSING"),
      jobPush({ jobId: JOB, seq: 9, processingCount: 2 }),
      photo(10, "COMPLETED", 100),
      jobPush({ jobId: JOB, seq: 11, processingCount: 1, completedCount: 1 }),
    ]);
    await flush();

    expect(applied.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(writes.mock.calls.map(([key]) => key)).toEqual([uploadKeys.job(JOB), uploadKeys.active()]);
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))).toMatchObject({
      seq: 11,
      completedCount: 1,
      photos: [
        { photoId: "ph_1", status: "COMPLETED" },
        { photoId: "ph_2", status: "PROCESSING" },
      ],
    });
    expect(queryClient.getQueryData<JobSummary[]>(uploadKeys.active())?.[0]).toMatchObject({
      seq: 11,
      completedCount: 1,
    });
    expect(libraryPhotos).toEqual([["ph_1", "ph_2", "ph_1"]]);
    expect(fetchJob).not.toHaveBeenCalled(); // no gap inside the batch
  });

  it("refetches once when a batch shows a gap, after writing what it brought", async () => {
    sync.track([JOB]);
    realtime.goLive();
    await flush();
    fetchJob.mockClear();
    fetchJob.mockImplementationOnce(async () => {
      // The refetch starts after the batch's write: the cache already holds its last push.
      expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.seq).toBe(12);
      return view(12, "COMPLETED");
    });
    realtime.pushBatch(`/topic/job/${JOB}`, [
      photo(6, "PROCESSING", 100),
      photo(9, "COMPLETED", 100),
      jobPush({ jobId: JOB, seq: 12 }),
    ]);
    await flush();
    expect(fetchJob).toHaveBeenCalledTimes(1);
  });

  it("refetches after a reconnect, and polls while the socket is down", async () => {
    vi.useFakeTimers();
    sync.track([JOB]);
    realtime.goLive();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchJob).toHaveBeenCalledTimes(1);

    realtime.setState("reconnecting");
    await vi.advanceTimersByTimeAsync(3_100);
    expect(fetchJob).toHaveBeenCalledTimes(4);

    realtime.goLive(); // subscriptions confirmed again: one more fetch, then polling stops
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetchJob).toHaveBeenCalledTimes(5);
  });

  it("never lets a slow fetch take the cache behind what pushes already brought", async () => {
    sync.track([JOB]);
    const resolve = holdNextFetch();
    realtime.goLive();
    queryClient.setQueryData(uploadKeys.job(JOB), view(8, "COMPLETED"));
    resolve(view(6));
    await flush();
    await flush();
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.seq).toBe(8);
  });

  it("folds pushes that arrive while the first fetch is out into its result", async () => {
    sync.track([JOB]);
    const resolve = holdNextFetch();
    realtime.goLive();
    realtime.push(`/topic/job/${JOB}`, { ...photo(6, "FAILED"), errorMessage: "Not an image." });
    expect(applied[0]).toMatchObject({ type: "photo", status: "FAILED", seq: 6 });
    resolve(view(5)); // answered before the photo failed
    await flush();
    await flush();
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.photos[0]).toMatchObject({ status: "FAILED" });
  });

  it("measures gaps against another tab's cached view, which keeps a push newer than a slow first fetch; duplicate and late pushes are ignored", async () => {
    await gapsAfterSlowFirstFetch(() => {
      expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.seq).toBe(9);
    });
    expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))).toMatchObject({
      seq: 12,
      photos: [{ status: "COMPLETED" }],
    });
  });

  it("measures gaps of this tab's job against the engine's seq, which keeps a push newer than a slow fetch", async () => {
    owned.set(JOB, { seq: 0 });
    await gapsAfterSlowFirstFetch(() => expect(appliedViews.map((v) => v.seq)).toEqual([7]));
  });

  it("asks the user queue to leave out followed jobs, and still takes a job message that comes on the topic of a job just dropped", () => {
    expect(realtime.headers.get("/user/queue/jobs")).toEqual({ "skip-followed-jobs": "true" });
    const summary = { ...view(1), photos: undefined } as unknown as JobSummary;
    queryClient.setQueryData(uploadKeys.active(), [summary]);
    sync.track([JOB]);
    const topic = [...(realtime.subs.get(`/topic/job/${JOB}`) ?? [])];
    sync.track([]); // the UNSUBSCRIBE is on its way; the server still sends on the topic
    for (const handler of topic)
      handler.onMessages([{ ...jobMessage(JOB, 4), completedCount: 1, status: "COMPLETED" }]);
    expect(queryClient.getQueryData<JobSummary[]>(uploadKeys.active())?.[0]).toMatchObject({
      status: "COMPLETED",
      seq: 4,
    });
  });

  it("refreshes the list of jobs when the user queue announces one it does not know (another tab)", async () => {
    const summary = (jobId: string): JobSummary => ({ ...view(1), jobId, photos: undefined }) as unknown as JobSummary;
    queryClient.setQueryData(uploadKeys.active(), [summary("job_bbbbbbbbbbbb")]);
    const invalidate = vi.spyOn(queryClient, "invalidateQueries");
    realtime.goLive();
    invalidate.mockClear();
    realtime.push("/user/queue/jobs", jobMessage("job_cccccccccccc", 1));
    expect(invalidate).toHaveBeenCalledWith({ queryKey: uploadKeys.active() }, { cancelRefetch: false });

    invalidate.mockClear();
    owned.set("job_dddddddddddd", { seq: 0 }); // this tab's engine registered it: not from another tab
    realtime.push("/user/queue/jobs", jobMessage("job_dddddddddddd", 1));
    expect(invalidate).not.toHaveBeenCalled();
    realtime.push("/user/queue/jobs", { ...jobMessage("job_bbbbbbbbbbbb", 4), completedCount: 1, status: "COMPLETED" });
    expect(invalidate).not.toHaveBeenCalled();
    expect(queryClient.getQueryData<JobSummary[]>(uploadKeys.active())?.[0]).toMatchObject({
      status: "COMPLETED",
      seq: 4,
    });
  });

  it("does not take a job announced while this tab creates jobs for another tab's until the creates are answered", async () => {
    const invalidate = vi.spyOn(queryClient, "invalidateQueries");
    realtime.goLive();
    invalidate.mockClear();
    // The creates out, as the session counts them: `creating` settles when all of them are answered.
    const out = new Set<Promise<void>>();
    const create = (): (() => void) => {
      let answer!: () => void;
      const call = new Promise<void>((resolve) => {
        answer = () => {
          out.delete(call);
          creating = out.size ? Promise.all(out).then(() => {}) : undefined;
          resolve();
        };
      });
      out.add(call);
      creating = Promise.all(out).then(() => {});
      return answer;
    };

    // The push beat the create answer: once answered, the engine holds the job; nothing is refetched.
    let answer = create();
    realtime.push("/user/queue/jobs", jobMessage("job_eeeeeeeeeeee", 1));
    owned.set("job_eeeeeeeeeeee", { seq: 0 });
    answer();
    await flush();
    await flush();
    expect(invalidate).not.toHaveBeenCalled();

    // A second create started before the first was answered: decided after both.
    const first = create();
    realtime.push("/user/queue/jobs", jobMessage("job_gggggggggggg", 1));
    const second = create();
    first();
    await flush();
    await flush();
    expect(invalidate).not.toHaveBeenCalled();
    owned.set("job_gggggggggggg", { seq: 0 });
    second();
    await flush();
    await flush();
    expect(invalidate).not.toHaveBeenCalled();

    // Announced while creating, but none of the answers was it: another tab's job after all. Decided
    // as the creates settle (the engine has taken every answer in by then), with no later task.
    answer = create();
    realtime.push("/user/queue/jobs", jobMessage("job_ffffffffffff", 1));
    realtime.push("/user/queue/jobs", jobMessage("job_hhhhhhhhhhhh", 1));
    const settled = creating;
    answer();
    await settled;
    await microtasks();
    expect(invalidate).toHaveBeenCalledTimes(1);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: uploadKeys.active() }, { cancelRefetch: false });
  });

  describe("this tab's job created while the user queue was live", () => {
    const topic = `/topic/job/${JOB}`;
    const queue = "/user/queue/jobs";
    /** The engine answers a create sent now: it holds the job at the create's seq (NEW_JOB_SEQ). */
    const created = () => {
      sentAt.set(JOB, sync.liveSince);
      owned.set(JOB, { seq: 1 });
    };

    it("is not fetched when its topic is followed: the create answer is its baseline, the pushes its changes", async () => {
      realtime.goLive();
      created();
      realtime.push(queue, jobMessage(JOB, 1)); // the create's own message
      sync.track([JOB]);
      realtime.confirm(topic);
      realtime.pushBatch(topic, [photo(2, "UPLOADING"), jobMessage(JOB, 3), photo(4, "PROCESSING", 100)]);
      realtime.push(topic, jobMessage(JOB, 5));
      await flush();
      expect(fetchJob).not.toHaveBeenCalled();
      expect(applied.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(owned.get(JOB)?.seq).toBe(5);

      // A real gap still refetches it.
      realtime.push(topic, photo(7, "COMPLETED", 100));
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });

    it("takes a queue message routed before its topic was followed, even once followed, and refetches nothing when none was missed", async () => {
      realtime.goLive();
      created();
      sync.track([JOB]); // the SUBSCRIBE is on its way: the server routed seq 2-3 before it
      realtime.pushBatch(queue, [jobMessage(JOB, 2)]);
      realtime.confirm(topic);
      realtime.push(topic, photo(3, "UPLOADING"));
      await flush();
      expect(applied.map((m) => [m.type, m.seq])).toEqual([
        ["job", 2],
        ["photo", 3],
      ]);
      expect(fetchJob).not.toHaveBeenCalled();
    });

    it("is refetched when the queue's message shows a push it never got (a photo's, routed before the follow)", async () => {
      realtime.goLive();
      created();
      sync.track([JOB]);
      realtime.push(queue, jobMessage(JOB, 3)); // photo 2 went to the topic nobody followed yet
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });

    it("is refetched when the queue's message shows a gap before its topic is followed at all", async () => {
      realtime.goLive();
      created();
      realtime.push(queue, jobMessage(JOB, 3)); // photo 2 went to a topic nobody follows
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });

    it("still counts a gap while followed once its create mark is gone (it ended, then was retried)", async () => {
      realtime.goLive();
      created();
      sync.track([JOB]);
      realtime.confirm(topic);
      realtime.push(topic, photo(2, "PROCESSING", 100));
      sentAt.delete(JOB); // the job ended while followed: its mark was dropped (forgetEnded)
      realtime.push(topic, photo(4, "QUEUED")); // retried; 3 never came
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });

    it("keeps no baseline once dropped: its last message, on the queue before its mark goes, makes no later gap", async () => {
      realtime.goLive();
      created();
      sync.track([JOB]);
      realtime.confirm(topic);
      realtime.push(topic, photo(2, "PROCESSING", 100));
      sync.track([]); // its files are done: the panel stops following it
      // Its last job message comes on the queue while its create mark is still there ...
      realtime.push(queue, { ...jobMessage(JOB, 3), status: "COMPLETED", completedCount: 1 });
      sentAt.delete(JOB); // ... and only then is the mark dropped, the job having ended (forgetEnded).
      await flush();
      expect(fetchJob).not.toHaveBeenCalled();

      // Retried later: photo pushes go to the topic nobody follows, a job message to the queue. An
      // unfollowed job has no baseline, so nothing is fetched (following it again fetches it once).
      realtime.push(queue, jobMessage(JOB, 6));
      await flush();
      expect(fetchJob).not.toHaveBeenCalled();
    });

    it("is fetched as before when the queue was not live at the create, or the connection dropped since", async () => {
      created(); // not connected yet: liveSince is 0
      realtime.goLive();
      sync.track([JOB]);
      realtime.confirm(topic);
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);

      fetchJob.mockClear();
      created();
      realtime.setState("reconnecting");
      realtime.goLive(); // resubscribed on a new connection: what came meanwhile is read once
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });
  });

  describe("a batch that carries a job's last job message only", () => {
    const topic = `/topic/job/${JOB}`;
    /** Followed, its first fetch answered at seq 5. */
    const followed = async () => {
      sync.track([JOB]);
      realtime.goLive();
      await flush();
      fetchJob.mockClear();
    };

    it("is taken with no refetch: the seqs its left-out job messages had are no gap", async () => {
      await followed();
      // The server sent photo 6, job 7, photo 8, job 9 as: photo 6, photo 8, job 9, starting at 6.
      const done = { ...jobMessage(JOB, 9), completedCount: 1, status: "COMPLETED" as const };
      realtime.pushBatch(topic, [photo(6, "PROCESSING", 100), photo(8, "COMPLETED", 100), done], { [JOB]: 6 });
      await flush();
      expect(fetchJob).not.toHaveBeenCalled();
      expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))).toMatchObject({ seq: 9, status: "COMPLETED" });
      expect(queryClient.getQueryData<JobView>(uploadKeys.job(JOB))?.photos[0]?.status).toBe("COMPLETED");
    });

    it("still refetches on a real gap: it starts past what the holder has", async () => {
      await followed();
      realtime.pushBatch(topic, [photo(8, "COMPLETED", 100), jobMessage(JOB, 9)], { [JOB]: 7 }); // 6 never came
      await flush();
      expect(fetchJob).toHaveBeenCalledTimes(1);
    });
  });
});
