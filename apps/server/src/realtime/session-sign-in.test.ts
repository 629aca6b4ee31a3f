import { describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/capture-logger.js";
import { manualClock } from "../../test/support/manual-clock.js";
import { SessionSignIn } from "./session-sign-in.js";
import type { StompProtocolError } from "./stomp-errors.js";

const REVALIDATE_MS = 60_000;
/** setTimeout's ceiling, past which an expiry is reached in several waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DAY_MS = 24 * 60 * 60 * 1000;

type Answer = { userId: string; expiresAt?: Date } | null | "down";

/** A sign-in whose authenticate answers what `answer` holds at the time it is asked. */
function signIn(first: Answer = { userId: "u1" }) {
  const time = manualClock();
  const { logger, records } = captureLogger();
  const state = { answer: first, asked: 0, lost: [] as string[], connected: true, queued: Promise.resolve() };
  const session = new SessionSignIn({
    config: {
      authenticate: async () => {
        state.asked += 1;
        if (state.answer === "down") throw new Error("auth store unreachable");
        return state.answer;
      },
      logger,
      clock: time.clock,
      revalidateMs: REVALIDATE_MS,
    },
    sessionId: "s1",
    enqueue: (check) => {
      state.queued = state.queued.then(check);
    },
    isConnected: () => state.connected,
    onLost: (error: StompProtocolError) => {
      state.lost.push(error.code);
      state.connected = false;
    },
  });
  return { session, time, state, records };
}

describe("a STOMP session's sign-in", () => {
  it("answers AUTH_UNAVAILABLE when authenticate throws (an outage, not a sign-out), logged with the session", async () => {
    const { session, records } = signIn("down");
    await expect(session.verify("t")).rejects.toMatchObject({ code: "AUTH_UNAVAILABLE" });
    expect(records).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "stomp: authenticate failed",
        data: expect.objectContaining({ session: "s1" }),
      }),
    ]);
  });

  it("keeps the connection while auth is down at a revalidation, asks again later, and closes once signed out", async () => {
    const { session, time, state } = signIn();
    session.start("t", { userId: "u1" });
    expect(session.userId).toBe("u1");

    state.answer = "down";
    time.advance(REVALIDATE_MS);
    await state.queued;
    expect(state.asked).toBe(1);
    expect(state.lost).toEqual([]);

    state.answer = { userId: "u1" };
    time.advance(REVALIDATE_MS);
    await state.queued;
    expect(state.asked).toBe(2);
    expect(state.lost).toEqual([]);

    // The token now answers for nobody (user deleted, signed out everywhere).
    state.answer = null;
    time.advance(REVALIDATE_MS);
    await state.queued;
    expect(state.lost).toEqual(["UNAUTHENTICATED"]);
    // Closed: no further revalidation is scheduled.
    time.advance(REVALIDATE_MS);
    await state.queued;
    expect(state.asked).toBe(3);
  });

  it("closes at the token's expiry and not before, one past setTimeout's ceiling too", async () => {
    const { session, time, state } = signIn();
    const expiresAt = new Date(time.clock.now() + 30 * DAY_MS);
    session.start("t", { userId: "u1", expiresAt });
    time.advance(MAX_TIMER_MS);
    expect(state.lost).toEqual([]);
    time.advance(expiresAt.getTime() - time.clock.now() - 1);
    expect(state.lost).toEqual([]);
    time.advance(1);
    expect(state.lost).toEqual(["TOKEN_EXPIRED"]);
  });

  it("checks on SUBSCRIBE: expired by the clock even before its timer ran, or the token now names someone else", async () => {
    const { session, time, state } = signIn();
    const expiresAt = new Date(time.clock.now() + 1000);
    session.start("t", { userId: "u1", expiresAt });
    await expect(session.check()).resolves.toBeUndefined();
    state.answer = { userId: "u2" };
    await expect(session.check()).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    time.set(expiresAt.getTime());
    await expect(session.check()).rejects.toMatchObject({ code: "TOKEN_EXPIRED" });
  });

  it("stops watching once stopped: no expiry and no revalidation after", async () => {
    const { session, time, state } = signIn();
    session.start("t", { userId: "u1", expiresAt: new Date(time.clock.now() + 2 * REVALIDATE_MS) });
    session.stop();
    time.advance(3 * REVALIDATE_MS);
    await state.queued;
    expect(state.asked).toBe(0);
    expect(state.lost).toEqual([]);
  });
});
