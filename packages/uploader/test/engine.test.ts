import { type PhotoMessage, SINGLE_PUT_MAX_BYTES } from "@rapidphoto/protocol";
import { jobView, jobViewPhoto, photoPush } from "@rapidphoto/protocol/testing";
import { describe, expect, it } from "vitest";
import { ApiError, bytesSource, type NetworkMonitor, type UploaderOptions } from "../src/index.js";
import { gate, memoryBackend, uploaderOn } from "./support/memory-backend.js";

const jpeg = (name: string, bytes = 1000) => bytesSource(new Uint8Array(bytes), { name, type: "image/jpeg" });
const tick = () => new Promise<void>((r) => setImmediate(r));

function setup(options: Partial<UploaderOptions> = {}) {
  const backend = memoryBackend();
  const uploader = uploaderOn(backend, options);
  const state = () => uploader.store.getState();
  /** Undefined until the first store flush after `add`. */
  const file = (id: string) => state().files[id] as ReturnType<typeof state>["files"][string];
  return { backend, uploader, state, file };
}

/** A photo push for `file` (registered) with all its 1000 bytes sent, status UPLOADING unless `patch` says otherwise. */
const push = (file: { jobId: string | null; photoId: string | null }, patch: Partial<PhotoMessage>): PhotoMessage =>
  photoPush({
    jobId: file.jobId!,
    photoId: file.photoId!,
    progressPercent: 100,
    bytesSent: 1000,
    bytesTotal: 1000,
    ...patch,
  });

describe("engine", () => {
  it("splits thousands of files into jobs of 1000 and refuses bad files alone", async () => {
    // All at once (add-slices.test.ts covers the slicing): the job sizes are the point here.
    const { backend, uploader, state } = setup({
      limits: { maxActiveFiles: 50, maxRequests: 50 },
      addSlices: { first: 2000, budgetMs: Number.POSITIVE_INFINITY },
    });
    const good = Array.from({ length: 1001 }, (_, i) => jpeg(`${i}.jpg`, 10));
    const bad = bytesSource(new Uint8Array(10), { name: "notes.txt", type: "text/plain" });
    const ids = uploader.add([...good, bad]);
    await uploader.whenIdle();
    const jobs = backend.calls.filter((c) => c.name === "createJob");
    expect(jobs.map((c) => (c.args as { files: unknown[] }).files.length)).toEqual([1000, 1]);
    expect(state().files[ids.at(-1)!]).toMatchObject({ status: "FAILED", error: { code: "INVALID_FILE" } });
    expect(ids.slice(0, -1).every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("creates the jobs of a large selection one at a time, as the queue drains, as one batch", async () => {
    const { backend, uploader, state } = setup({
      limits: { maxActiveFiles: 1, maxRequests: 1 },
      maxFilesPerJob: 10,
      registerAhead: 3,
      // All in one slice: a slice's time budget on a loaded machine would cut the selection where
      // the clock says (add-slices.test.ts covers that), and the job sizes are the point here.
      addSlices: { first: 2000, budgetMs: Number.POSITIVE_INFINITY },
    });
    // How many files had been sent when each job was asked for.
    const sentAtCreate: number[] = [];
    const createJob = backend.api.createJob;
    backend.api.createJob = (body, signal) => {
      sentAtCreate.push(backend.puts.length);
      return createJob(body, signal);
    };
    const ids = uploader.add(Array.from({ length: 25 }, (_, i) => jpeg(`${i}.jpg`, 10)));
    await uploader.whenIdle();
    const jobs = backend.calls.filter((c) => c.name === "createJob");
    expect(jobs.map((c) => (c.args as { files: unknown[] }).files.length)).toEqual([10, 10, 5]);
    // Just in time: the next job only once fewer than 3 registered files were left waiting.
    expect(sentAtCreate[0]).toBe(0);
    expect(sentAtCreate[1]).toBeGreaterThanOrEqual(10 - 3);
    expect(sentAtCreate[2]).toBeGreaterThanOrEqual(20 - 3);
    const files = ids.map((id) => state().files[id]!);
    expect(files.every((f) => f.status === "PROCESSING")).toBe(true);
    expect(new Set(files.map((f) => f.jobId)).size).toBe(3);
    expect(new Set(files.map((f) => f.batchId)).size).toBe(1);
    // Files in the same order as added, job after job.
    expect(jobs.flatMap((c) => (c.args as { files: { filename: string }[] }).files.map((f) => f.filename))).toEqual(
      files.map((f) => f.name),
    );
  });

  it("splits by the server's own limit when it refuses a job as too large", async () => {
    const { backend, uploader, state } = setup();
    const createJob = backend.api.createJob;
    backend.api.createJob = (body, signal) =>
      body.files.length > 4
        ? Promise.reject(new ApiError(400, "TOO_MANY_FILES", "At most 4 files per upload job.", { maxFiles: 4 }))
        : createJob(body, signal);
    const ids = uploader.add(Array.from({ length: 10 }, (_, i) => jpeg(`${i}.jpg`, 10)));
    await uploader.whenIdle();
    const jobs = backend.calls.filter((c) => c.name === "createJob");
    expect(jobs.map((c) => (c.args as { files: unknown[] }).files.length)).toEqual([4, 4, 2]);
    expect(ids.every((id) => state().files[id]!.status === "PROCESSING")).toBe(true);
  });

  it("pause, resume and cancel of a batch act on all of its jobs, registered or not yet", async () => {
    const { backend, uploader, state } = setup({
      limits: { maxActiveFiles: 2, maxRequests: 2 },
      maxFilesPerJob: 10,
      registerAhead: 3,
    });
    const held = gate();
    backend.hooks.put = () => ({ hold: held.promise });
    const ids = uploader.add(Array.from({ length: 25 }, (_, i) => jpeg(`${i}.jpg`, 10)));
    const file = (i: number) => state().files[ids[i]!]!;
    while (file(0)?.status !== "UPLOADING") await tick();
    uploader.pause();
    held.open();
    await uploader.whenIdle();
    const created = () => backend.calls.filter((c) => c.name === "createJob").map((c) => c.args);
    expect(created()).toHaveLength(1); // paused files are not registered
    expect(ids.every((_, i) => file(i).paused)).toBe(true);

    // Resumed: the first job finishes, the second is created and its files hang mid-way.
    const firstJob = file(0).jobId;
    const stuck = gate();
    backend.hooks.put = ({ photoId }) =>
      backend.photos.get(photoId)?.jobId === firstJob ? {} : { hold: stuck.promise };
    uploader.resume();
    while (file(10)?.status !== "UPLOADING") await tick();
    const cancelling = uploader.cancel();
    stuck.open();
    await cancelling;
    await uploader.whenIdle();
    expect(ids.map((_, i) => file(i).status)).toEqual([
      ...Array(10).fill("PROCESSING"),
      ...Array(15).fill("CANCELLED"),
    ]);
    // The second job is cancelled in one call; the files never registered need none, nor a job.
    expect(backend.calls.filter((c) => c.name === "cancelJob").map((c) => c.args)).toEqual([{ jobId: file(10).jobId }]);
    expect(created()).toHaveLength(2);
  });

  it("starts files in priority order and follows a reorder", async () => {
    const { backend, uploader, state } = setup({ limits: { maxActiveFiles: 1, maxRequests: 1 } });
    const first = gate();
    backend.hooks.put = ({ attempt }) => (backend.puts.length === 0 && attempt === 1 ? { hold: first.promise } : {});
    const [a, b, c] = uploader.add([jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")]);
    const [d] = uploader.add([jpeg("d.jpg")], { priority: 5 });
    while (state().queue.length < 3) await tick();
    expect(state().queue).toEqual([d, b, c]);
    uploader.move(c!, 0);
    uploader.setPriority(b!, 9);
    await tick();
    expect(state().queue).toEqual([b, c, d]);
    first.open();
    await uploader.whenIdle();
    const order = backend.puts.map((p) => [...backend.photos.values()].find((x) => x.photoId === p.photoId)!.filename);
    expect(order).toEqual(["a.jpg", "b.jpg", "c.jpg", "d.jpg"]);
    expect(state().files[a!]!.status).toBe("PROCESSING");
  });

  it("waits while offline and goes on when back online, without spending retries", async () => {
    let online = false;
    const listeners = new Set<(online: boolean) => void>();
    const network: NetworkMonitor = {
      isOnline: () => online,
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const { backend, uploader, state, file } = setup({ network });
    const [id] = uploader.add([jpeg("a.jpg")]);
    while (!file(id!)?.photoId) await tick();
    await tick();
    expect(state().online).toBe(false);
    expect(backend.puts).toEqual([]);
    online = true;
    for (const l of listeners) l(true);
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "PROCESSING", retries: 0 });
    expect(state().online).toBe(true);
  });

  it("stops a file cancelled elsewhere, and a late push never moves it back", async () => {
    const { backend, uploader, file } = setup();
    const held = gate();
    backend.hooks.put = () => ({ hold: held.promise });
    const [id] = uploader.add([jpeg("a.jpg")]);
    while (file(id!)?.status !== "UPLOADING" || file(id!)?.bytesSent === 0) await tick();
    const { jobId, photoId } = file(id!);
    const pushed = (patch: Partial<PhotoMessage>) =>
      push({ jobId, photoId }, { progressPercent: 10, bytesSent: 100, ...patch });
    uploader.applyServerMessage(pushed({ status: "CANCELLED", seq: 7 }));
    await uploader.whenIdle();
    uploader.applyServerMessage(pushed({ status: "UPLOADING", seq: 6 }));
    await tick();
    expect(file(id!).status).toBe("CANCELLED");
    expect(backend.puts.filter((p) => p.ok)).toEqual([]);
    expect(backend.calls.some((c) => c.name === "cancelPhoto")).toBe(false); // the server already knows
  });

  it("a FAILED push while finalize is out is merged once finalize answers 202", async () => {
    const { backend, uploader, file } = setup();
    const finalize = gate();
    backend.hooks.finalize = finalize.promise;
    const [id] = uploader.add([jpeg("broken.jpg")]);
    while (!backend.calls.some((c) => c.name === "finalize")) await tick();
    // The worker failed the photo before the finalize answer came back.
    uploader.applyServerMessage(push(file(id!), { status: "FAILED", errorMessage: "Not a readable image.", seq: 4 }));
    await tick();
    finalize.open();
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "FAILED", error: { code: "SERVER", message: "Not a readable image." } });
    // Monotonic: a late PROCESSING changes nothing.
    uploader.applyServerMessage(push(file(id!), { status: "PROCESSING", seq: 3 }));
    await tick();
    expect(file(id!).status).toBe("FAILED");
  });

  it("the next file sends while the last one waits for its finalize answer, and idle waits for that answer", async () => {
    const { backend, uploader, file } = setup({ limits: { maxActiveFiles: 1, maxRequests: 1 } });
    const finalize = gate();
    backend.hooks.finalize = finalize.promise;
    const [a, b] = uploader.add([jpeg("a.jpg"), jpeg("b.jpg")]);
    let idle = false;
    void uploader.whenIdle().then(() => {
      idle = true;
    });
    // Both files' bytes go out although the first file's finalize is held.
    for (let i = 0; i < 500 && backend.puts.filter((p) => p.ok).length < 2; i++) await tick();
    expect(backend.puts.filter((p) => p.ok)).toHaveLength(2);
    expect(backend.calls.filter((c) => c.name === "finalize")).toHaveLength(2);
    expect(idle).toBe(false);
    finalize.open();
    await uploader.whenIdle();
    expect([file(a!).status, file(b!).status]).toEqual(["PROCESSING", "PROCESSING"]);
  });

  it("finalizes the small files landing while two finalize requests are out together, each to its own outcome", async () => {
    const { backend, uploader, file } = setup();
    const finalize = gate();
    backend.hooks.finalize = finalize.promise;
    const names = Array.from({ length: 8 }, (_, i) => jpeg(`${i}.jpg`));
    const ids = uploader.add(names);
    for (let i = 0; i < 500 && backend.puts.filter((p) => p.ok).length < 8; i++) await tick();
    // The last file's answer turns into its finalize call (the backend answers in promises only).
    for (let i = 0; i < 10; i++) await tick();
    // Every byte is in; the first two finalize requests are held, the other six wait behind them.
    expect(backend.finalizeBatches.map((b) => b.length)).toEqual([1, 1]);
    finalize.open();
    await uploader.whenIdle();
    expect(backend.finalizeBatches.map((b) => b.length)).toEqual([1, 1, 6]);
    expect(new Set(backend.finalizeBatches.flat())).toEqual(new Set(ids.map((id) => file(id!).photoId)));
    for (const id of ids) expect(file(id!)).toMatchObject({ status: "PROCESSING", error: null });
  });

  it("retrying a photo the server failed turns the same photo back to QUEUED and sends it again", async () => {
    const { backend, uploader, file } = setup();
    const [id] = uploader.add([jpeg("a.jpg")]);
    await uploader.whenIdle();
    const { photoId } = file(id!);
    backend.photos.get(photoId!)!.status = "FAILED";
    uploader.applyServerMessage(push(file(id!), { status: "FAILED", errorMessage: "Expired.", seq: 5 }));
    await tick();
    expect(file(id!)).toMatchObject({ status: "FAILED", error: { message: "Expired." } });
    const callsBefore = backend.calls.length;
    const putsBefore = backend.puts.length;
    uploader.retry(id);
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "PROCESSING", photoId, error: null, bytesSent: 1000 });
    expect(backend.calls.slice(callsBefore).map((c) => c.name)).toEqual(["retryPhoto", "finalize"]);
    expect(backend.puts.slice(putsBefore)).toEqual([{ photoId, partNumber: 1, ok: true }]);
    expect(backend.photos.size).toBe(1);
  });

  it("says when its job creates are answered and their jobs recorded: job() knows the job as that settles", async () => {
    const { backend, uploader } = setup();
    const registration = gate();
    backend.hooks.createJob = registration.promise;
    const answered: (string | null)[] = [];
    const createJob = backend.api.createJob;
    backend.api.createJob = async (body, signal) => {
      const res = await createJob(body, signal);
      answered.push(res.jobId);
      return res;
    };
    expect(uploader.jobsBeingCreated()).toBeUndefined();
    uploader.add([jpeg("a.jpg")]);
    while (!backend.calls.some((c) => c.name === "createJob")) await tick();
    const creating = uploader.jobsBeingCreated();
    expect(creating).toBeDefined();
    registration.open();
    await creating;
    // Nothing later (no task, no further turn) is needed: the answer is taken in by now.
    expect(answered).toHaveLength(1);
    expect(uploader.job(answered[0] as string)).toBeDefined();
    expect(uploader.jobsBeingCreated()).toBeUndefined();
    await uploader.whenIdle();
  });

  it("a cancel during registration tells the server once the photo exists, and sends nothing", async () => {
    const { backend, uploader, file } = setup();
    const registration = gate();
    backend.hooks.createJob = registration.promise;
    const [id] = uploader.add([jpeg("a.jpg")]);
    await uploader.cancel(id);
    expect(file(id!).status).toBe("CANCELLED");
    registration.open();
    await uploader.whenIdle();
    while (!backend.calls.some((c) => c.name === "cancelPhoto")) await tick();
    expect(backend.puts).toEqual([]);
  });

  it("cancel-all cancels whole jobs in one call each", async () => {
    const { backend, uploader, state } = setup();
    const held = gate();
    backend.hooks.put = () => ({ hold: held.promise });
    uploader.add([jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")]);
    while (backend.puts.length === 0 && !Object.values(state().files).some((f) => f.bytesSent > 0)) await tick();
    await uploader.cancel();
    expect(backend.calls.filter((c) => c.name === "cancelJob")).toHaveLength(1);
    expect(backend.calls.filter((c) => c.name === "cancelPhoto")).toHaveLength(0);
    expect(Object.values(state().files).map((f) => f.status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
  });

  it("fails a file once its retries are spent, keeps the reason, and a retry succeeds", async () => {
    const { backend, uploader, file } = setup();
    let broken = true;
    backend.hooks.put = () => (broken ? { status: 503 } : {});
    const [id] = uploader.add([jpeg("a.jpg")]);
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "FAILED", retries: 2, bytesSent: 0, error: { code: "HTTP_503" } });
    broken = false;
    uploader.retry();
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "PROCESSING", error: null, bytesSent: 1000 });
    expect(backend.calls.some((c) => c.name === "sign")).toBe(true); // re-planned from the server
  });

  it("reports progress best effort: a failing report never fails an upload", async () => {
    const errors: unknown[] = [];
    const { backend, uploader, file } = setup({ progressReportMs: 5, onError: (e) => errors.push(e) });
    const held = gate();
    backend.hooks.put = () => ({ hold: held.promise });
    backend.hooks.reportProgress = () => {
      throw new Error("report refused");
    };
    const [id] = uploader.add([jpeg("a.jpg", 2000)]);
    while (!backend.calls.some((c) => c.name === "reportProgress")) await tick();
    held.open();
    await uploader.whenIdle();
    const report = backend.calls.find((c) => c.name === "reportProgress")!.args as {
      jobId: string;
      updates: { bytesSent: number; bytesTotal: number }[];
    };
    expect(report.jobId).toBe(file(id!).jobId);
    expect(report.updates[0]).toMatchObject({ bytesSent: 1000, bytesTotal: 2000 });
    expect(errors.length).toBeGreaterThan(0);
    expect(file(id!).status).toBe("PROCESSING");
  });

  it("takes a fetched job view like pushes: its own jobs only, statuses forward, the job's counts and seq", async () => {
    const { uploader, state, file } = setup();
    const [a, b] = uploader.add([jpeg("a.jpg"), jpeg("b.jpg")]);
    await uploader.whenIdle();
    const { jobId } = file(a!);
    const row = (id: string, status: "COMPLETED" | "UPLOADING") =>
      jobViewPhoto({
        photoId: file(id).photoId!,
        clientId: id,
        filename: file(id).name,
        bytes: 1000,
        status,
        progressPercent: 100,
      });
    // Counts as the server last wrote them (one photo already processing), not as the rows say.
    const view = jobView({
      jobId: jobId!,
      seq: 9,
      ...{ uploadingCount: 0, processingCount: 1, completedCount: 1 },
      photos: [row(a!, "COMPLETED"), row(b!, "UPLOADING")],
    });
    uploader.applyJobView(view);
    uploader.applyJobView({ ...view, jobId: "job_elsewhere1", seq: 50 });
    // job() answers at once, before the store's next frame shows the merge.
    expect(state().jobs[jobId!]?.seq).not.toBe(9);
    expect(uploader.job(jobId!)).toMatchObject({ seq: 9, completedCount: 1 });
    expect(uploader.job("job_elsewhere1")).toBeUndefined();
    await tick();
    expect(file(a!).status).toBe("COMPLETED");
    expect(file(b!).status).toBe("PROCESSING"); // a stale row never moves a file back
    expect(state().jobs[jobId!]).toMatchObject({ seq: 9, completedCount: 1, processingCount: 1 });
    expect(Object.keys(state().jobs)).toEqual([jobId]);
  });

  it("clears completed files and waits for start() when not auto-starting", async () => {
    const { backend, uploader, state, file } = setup({ autoStart: false });
    const [a, b] = uploader.add([jpeg("a.jpg"), jpeg("b.jpg")]);
    await tick();
    expect(backend.calls).toEqual([]);
    uploader.start();
    await uploader.whenIdle();
    const { jobId, photoId } = file(a!);
    uploader.applyServerMessage(push({ jobId, photoId }, { status: "COMPLETED", seq: 3 }));
    await tick();
    uploader.clearCompleted();
    await tick();
    expect(Object.keys(state().files)).toEqual([b]);
    expect(state().order).toEqual([b]);
  });

  it("sends a File sent in one PUT as itself, and slices every part of a multipart file", async () => {
    const { backend, uploader } = setup();
    const bodies: unknown[] = [];
    const put = backend.transport.put;
    backend.transport.put = (request) => {
      bodies.push(request.body);
      return put(request);
    };
    const small = new File([new Uint8Array(1000)], "small.jpg", { type: "image/jpeg" });
    const large = new File([new Uint8Array(SINGLE_PUT_MAX_BYTES + 1)], "large.jpg", { type: "image/jpeg" });
    const sliced: File[] = [];
    for (const file of [small, large]) {
      const slice = file.slice.bind(file);
      file.slice = (start?: number, end?: number) => {
        sliced.push(file);
        return slice(start, end);
      };
    }
    uploader.add([small]);
    await uploader.whenIdle();
    expect(bodies).toEqual([small]);
    expect(bodies[0]).toBe(small);
    expect(sliced).toEqual([]);

    uploader.add([large]);
    await uploader.whenIdle();
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.slice(1).every((body) => body !== large && body instanceof Blob)).toBe(true);
    expect(sliced.length).toBe(bodies.length - 1);
  });
});
