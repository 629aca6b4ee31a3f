import { StompProtocolError } from "./stomp-errors.js";

/**
 * STOMP heart-beating (spec "Heart-beating"): each side says how often it can send and how often
 * it wants to receive; a direction is off when either side says 0, otherwise the slower one wins.
 */

/** A peer that stays silent this many agreed intervals is treated as dead: one lost beat plus jitter is tolerated. */
export const DEAD_PEER_FACTOR = 2;

export type HeartbeatPlan = {
  /** How often the server writes an EOL; 0 = never. */
  sendEveryMs: number;
  /** How often the client promised to show signs of life; 0 = no dead-peer detection. */
  expectEveryMs: number;
};

/** Parses the client's `heart-beat: cx,cy`; a missing header means "0,0". */
export function parseHeartBeat(value: string | undefined): { cx: number; cy: number } {
  if (value === undefined) return { cx: 0, cy: 0 };
  const match = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(value);
  if (!match) throw new StompProtocolError("INVALID_HEART_BEAT", JSON.stringify(value.slice(0, 40)));
  return { cx: Number(match[1]), cy: Number(match[2]) };
}

/** `serverMs` is both what the server can send and what it wants to receive (its `sx,sy`). */
export function negotiateHeartbeat(client: { cx: number; cy: number }, serverMs: number): HeartbeatPlan {
  return {
    sendEveryMs: client.cy === 0 || serverMs === 0 ? 0 : Math.max(serverMs, client.cy),
    expectEveryMs: client.cx === 0 || serverMs === 0 ? 0 : Math.max(client.cx, serverMs),
  };
}

export type HeartbeatTimers = { stop(): void };

/**
 * Runs both directions of an agreed plan. `lastReceivedAt` is read on every check, so any traffic
 * from the peer — a frame or a bare EOL — counts as a sign of life.
 *
 * A check that finds the peer silent too long judges again only after pending I/O has been read
 * (setImmediate runs after the event loop's poll phase). Timers run before I/O: when this process
 * was busy or descheduled for longer than the dead-peer window, the peer's beats are sitting
 * unread in the socket, and judging at once would drop every healthy client at the same moment.
 */
export function startHeartbeats(
  plan: HeartbeatPlan,
  io: { send(): void; lastReceivedAt(): number; onDeadPeer(silentForMs: number): void },
): HeartbeatTimers {
  const timers: NodeJS.Timeout[] = [];
  let confirming: NodeJS.Immediate | null = null;
  if (plan.sendEveryMs > 0) {
    timers.push(setInterval(io.send, plan.sendEveryMs).unref());
  }
  if (plan.expectEveryMs > 0) {
    const deadAfterMs = plan.expectEveryMs * DEAD_PEER_FACTOR;
    const silentFor = () => Date.now() - io.lastReceivedAt();
    timers.push(
      setInterval(() => {
        if (confirming || silentFor() <= deadAfterMs) return;
        confirming = setImmediate(() => {
          confirming = null;
          const silentForMs = silentFor();
          if (silentForMs > deadAfterMs) io.onDeadPeer(silentForMs);
        });
      }, plan.expectEveryMs).unref(),
    );
  }
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers.length = 0;
      if (confirming) clearImmediate(confirming);
      confirming = null;
    },
  };
}
