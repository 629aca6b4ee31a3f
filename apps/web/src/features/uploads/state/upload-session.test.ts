import { ApiError, DEFAULT_RETRY_ATTEMPTS, NetworkError } from "@rapidphoto/uploader";
import { ManualClock } from "@rapidphoto/uploader/testing";
import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createUploadSession, type UploadSession } from "./upload-session";

const PHOTO = "ph_aaaaaaaaaaaa";
const JOB = "job_aaaaaaaaaaaa";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** PostgreSQL rolled the server's transaction back (a lost race): try again in a second. */
const lostRace = () =>
  json(503, { code: "DATABASE_CONFLICT", message: "The server was busy." }, { "retry-after": "1" });
/** Hotel Wi-Fi: no answer at all. */
const dropped = (): Response => {
  throw new TypeError("fetch failed");
};
const photoCancelled = () => json(200, { photoId: PHOTO, status: "CANCELLED" });
const jobCancelled = () => json(200, { jobId: JOB, status: "CANCELLED", cancelledCount: 3 });

/** Lets every answer already given reach the session (the fake server answers at once). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

let clock: ManualClock;
let session: UploadSession;
/** The API calls the session made, "POST /path". */
let calls: string[];
/** The server's next answers, in order; the last one repeats. */
let answers: (() => Response)[];

beforeEach(() => {
  clock = new ManualClock(0);
  calls = [];
  answers = [];
  vi.stubGlobal("fetch", async (input: string, init: RequestInit) => {
    calls.push(`${init.method} ${input}`);
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    return answer();
  });
  session = newSession();
});

/** A session on the fake server and the manual clock. */
const newSession = () =>
  createUploadSession({
    userId: "user_1",
    getToken: () => "token",
    queryClient: new QueryClient(),
    onBatchSettled: () => {},
    onLibraryChanged: () => {},
    clock,
  });

afterEach(() => {
  session.destroy();
  vi.unstubAllGlobals();
});

/** Starts a cancel and keeps how it ended, so a test can look before and after time passes. */
function cancelling(target: { photoId: string } | { jobId: string }) {
  const outcome: { done: boolean; error?: unknown } = { done: false };
  session.cancelElsewhere(target).then(
    () => {
      outcome.done = true;
    },
    (error: unknown) => {
      outcome.done = true;
      outcome.error = error;
    },
  );
  return outcome;
}

/** Lets time pass in steps of `stepMs` until the cancel has ended (at most a few steps past the engine's tries). */
async function untilEnded(outcome: { done: boolean }, stepMs: number) {
  for (let i = 0; i < DEFAULT_RETRY_ATTEMPTS + 2 && !outcome.done; i++) {
    await settle();
    clock.advance(stepMs);
  }
  await settle();
}

describe("cancelElsewhere (a photo or job another tab sends)", () => {
  it("tries again after the Retry-After of a 503 (a lost database race) and succeeds, with no error for the person", async () => {
    answers = [lostRace, photoCancelled];
    const outcome = cancelling({ photoId: PHOTO });
    await settle();
    expect(calls).toEqual([`POST /commands/upload/${PHOTO}/cancel`]);
    expect(outcome.done).toBe(false);

    clock.advance(999);
    await settle();
    expect(calls).toHaveLength(1); // the server asked for a second

    clock.advance(1);
    await settle();
    expect(calls).toEqual([`POST /commands/upload/${PHOTO}/cancel`, `POST /commands/upload/${PHOTO}/cancel`]);
    expect(outcome).toEqual({ done: true });
  });

  it("tries a job's cancel again when the connection dropped, then after a 503", async () => {
    answers = [dropped, lostRace, jobCancelled];
    const outcome = cancelling({ jobId: JOB });
    await settle();
    expect(calls).toHaveLength(1);

    clock.advance(60_000); // past any backoff and Retry-After
    await settle();
    clock.advance(60_000);
    await settle();
    expect(calls).toEqual(Array(3).fill(`POST /commands/upload-jobs/${JOB}/cancel`));
    expect(outcome).toEqual({ done: true });
  });

  it.each([
    [404, "PHOTO_NOT_FOUND"],
    [409, "ILLEGAL_TRANSITION"],
  ])("gives a final answer (%i) to the person at once, never sent again", async (status, code) => {
    answers = [() => json(status, { code, message: "No." })];
    const outcome = cancelling({ photoId: PHOTO });
    await settle();
    expect(outcome.done).toBe(true);
    expect(outcome.error).toBeInstanceOf(ApiError);
    expect(outcome.error).toMatchObject({ status, code });

    clock.advance(60_000);
    await settle();
    expect(calls).toHaveLength(1);
  });

  it("gives up after the engine's tries when the server stays busy, with the server's reason", async () => {
    answers = [lostRace];
    const outcome = cancelling({ jobId: JOB });
    await untilEnded(outcome, 1_000);
    expect(calls).toHaveLength(DEFAULT_RETRY_ATTEMPTS);
    expect(outcome.error).toBeInstanceOf(ApiError);
    expect(outcome.error).toMatchObject({ status: 503, code: "DATABASE_CONFLICT" });
  });

  it("gives up after the engine's tries when there is no connection at all", async () => {
    answers = [dropped];
    const outcome = cancelling({ photoId: PHOTO });
    await untilEnded(outcome, 60_000);
    expect(calls).toHaveLength(DEFAULT_RETRY_ATTEMPTS);
    expect(outcome.error).toBeInstanceOf(NetworkError);
  });
});

describe("the restore of an earlier page's uploads", () => {
  // The panel shows other tabs' jobs only once it has settled (useForeignJobs): it must settle
  // whatever IndexedDB does.
  it("settles without IndexedDB, and with one that refuses to open", async () => {
    await session.restored;
    expect(session.isRestored()).toBe(true);

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.stubGlobal("indexedDB", {
      open: () => {
        throw new DOMException("The user denied permission to access the database.", "SecurityError");
      },
    });
    const refused = newSession();
    try {
      expect(refused.isRestored()).toBe(false);
      await refused.restored;
      expect(refused.isRestored()).toBe(true);
      expect(warn).toHaveBeenCalledWith("Upload state cannot be kept across reloads here:", expect.any(DOMException));
    } finally {
      refused.destroy();
      warn.mockRestore();
    }
  });
});
