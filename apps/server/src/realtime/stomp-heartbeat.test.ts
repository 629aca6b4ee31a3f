import { describe, expect, it } from "vitest";
import { StompProtocolError } from "./stomp-errors.js";
import { negotiateHeartbeat, parseHeartBeat } from "./stomp-heartbeat.js";
import { negotiateVersion } from "./stomp-session.js";

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
