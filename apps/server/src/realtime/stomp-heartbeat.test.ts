import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StompProtocolError } from "./stomp-errors.js";
import { negotiateVersion } from "./stomp-headers.js";
import { negotiateHeartbeat, parseHeartBeat, startHeartbeats } from "./stomp-heartbeat.js";

describe("heart-beat negotiation", () => {
  it("parses cx,cy and treats a missing header as 0,0", () => {
    expect(parseHeartBeat("10000,5000")).toEqual({ cx: 10000, cy: 5000 });
    expect(parseHeartBeat(" 0 , 0 ")).toEqual({ cx: 0, cy: 0 });
    expect(parseHeartBeat(undefined)).toEqual({ cx: 0, cy: 0 });
  });

  it.each(["", "10", "a,b", "-1,0", "1,2,3", "1.5,2"])("rejects %j", (value) => {
    expect(() => parseHeartBeat(value)).toThrow(StompProtocolError);
  });

  it("takes the slower side per direction and switches a direction off when either side says 0", () => {
    expect(negotiateHeartbeat({ cx: 4000, cy: 20000 }, 10000)).toEqual({ sendEveryMs: 20000, expectEveryMs: 10000 });
    expect(negotiateHeartbeat({ cx: 0, cy: 500 }, 1000)).toEqual({ sendEveryMs: 1000, expectEveryMs: 0 });
    expect(negotiateHeartbeat({ cx: 500, cy: 0 }, 1000)).toEqual({ sendEveryMs: 0, expectEveryMs: 1000 });
    expect(negotiateHeartbeat({ cx: 500, cy: 500 }, 0)).toEqual({ sendEveryMs: 0, expectEveryMs: 0 });
  });
});

describe("heart-beat timers (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function start(expectEveryMs: number) {
    let received = Date.now();
    const dead: number[] = [];
    const sent: number[] = [];
    const timers = startHeartbeats(
      { sendEveryMs: expectEveryMs, expectEveryMs },
      {
        send: () => sent.push(Date.now()),
        lastReceivedAt: () => received,
        onDeadPeer: (silentForMs) => dead.push(silentForMs),
      },
    );
    const beat = () => {
      received = Date.now();
    };
    return { dead, sent, beat, timers };
  }

  it("beats every interval and drops a peer silent for more than two of its intervals", () => {
    const { dead, sent, timers } = start(100);
    vi.advanceTimersByTime(200);
    expect(sent).toHaveLength(2);
    expect(dead).toEqual([]); // silent for exactly two intervals: not yet
    vi.advanceTimersByTime(101); // the check at 300 ms, then its confirmation once I/O was read
    expect(dead).toHaveLength(1);
    expect(dead[0]).toBeGreaterThan(200);
    timers.stop();
  });

  it("keeps a peer that beats", () => {
    const { dead, beat, timers } = start(100);
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(150);
      beat();
    }
    expect(dead).toEqual([]);
    timers.stop();
  });

  it("reads what is waiting before judging: a beat that arrived while this process was busy keeps the peer", () => {
    const { dead, beat, timers } = start(100);
    // The process was stuck for a second: every due check runs at once, before any socket is read.
    vi.setSystemTime(Date.now() + 1_000);
    vi.advanceTimersToNextTimer(); // the check: silent for 1 s, so it waits for pending I/O
    expect(dead).toEqual([]);
    beat(); // the poll phase reads the beat that was sitting in the socket
    vi.runOnlyPendingTimers();
    expect(dead).toEqual([]);
    // No beat after that: dropped once the window passes again.
    vi.advanceTimersByTime(300);
    expect(dead).toHaveLength(1);
    timers.stop();
  });
});

describe("version negotiation", () => {
  it("picks the highest common version; none offered means 1.0", () => {
    expect(negotiateVersion("1.0,1.1,1.2")).toBe("1.2");
    expect(negotiateVersion("1.1, 1.0")).toBe("1.1");
    expect(negotiateVersion("1.0")).toBe("1.0");
    expect(negotiateVersion(undefined)).toBe("1.0");
  });

  it("finds nothing in common with unknown versions", () => {
    expect(negotiateVersion("2.0,0.9")).toBeNull();
    expect(negotiateVersion("")).toBeNull();
  });
});
