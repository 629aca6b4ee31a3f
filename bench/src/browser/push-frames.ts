import type { CDPSession } from "playwright-core";

/**
 * Counts what the page's realtime socket brings in (browser-profile): WebSocket messages, the
 * STOMP MESSAGE frames inside them (SockJS wraps frames in JSON arrays, `a[...]`) and the push
 * events their bodies carry, with bytes. Load-independent figures, unlike the profile's times.
 */
export type PushFrameCounts = {
  /** WebSocket messages received on every socket of the page, and their payload characters. */
  socketMessages: number;
  socketChars: number;
  /** STOMP MESSAGE frames and their characters (head + body). */
  messageFrames: number;
  messageChars: number;
  bodyChars: number;
  /** Push events by family; a batch body counts each event it holds (and once under "batch"). */
  events: Record<string, number>;
  /** Frames by destination kind: a job topic, or the user's queue. */
  byDestination: Record<string, number>;
};

export function countPushFrames(cdp: CDPSession): { stop(): Promise<PushFrameCounts> } {
  const counts: PushFrameCounts = {
    socketMessages: 0,
    socketChars: 0,
    messageFrames: 0,
    messageChars: 0,
    bodyChars: 0,
    events: {},
    byDestination: {},
  };
  const bump = (into: Record<string, number>, key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };
  const countEvent = (event: { type?: string; status?: string; events?: unknown[] }) => {
    if (event.type === "batch") {
      bump(counts.events, "batch");
      for (const inner of event.events ?? []) countEvent(inner as typeof event);
      return;
    }
    bump(counts.events, event.type === "photo" ? `photo ${event.status}` : String(event.type));
  };
  const onFrame = (frame: string) => {
    if (!frame.startsWith("MESSAGE\n")) return;
    counts.messageFrames++;
    counts.messageChars += frame.length;
    const headEnd = frame.indexOf("\n\n");
    const destination = /\ndestination:([^\n]*)/.exec(frame.slice(0, headEnd))?.[1] ?? "";
    bump(counts.byDestination, destination.startsWith("/topic/job/") ? "job topic" : destination);
    const body = frame.slice(headEnd + 2, frame.lastIndexOf("\0"));
    counts.bodyChars += body.length;
    try {
      countEvent(JSON.parse(body));
    } catch {
      bump(counts.events, "(not JSON)");
    }
  };
  const listener = (event: { response: { payloadData: string } }) => {
    const data = event.response.payloadData;
    counts.socketMessages++;
    counts.socketChars += data.length;
    if (data.startsWith("a[")) {
      for (const frame of JSON.parse(data.slice(1)) as string[]) onFrame(frame);
    } else onFrame(data);
  };
  const enabled = cdp.send("Network.enable");
  cdp.on("Network.webSocketFrameReceived", listener);
  return {
    async stop() {
      await enabled;
      cdp.off("Network.webSocketFrameReceived", listener);
      await cdp.send("Network.disable");
      return counts;
    },
  };
}

export function formatPushFrames(counts: PushFrameCounts, files: number): string {
  const per = (n: number) => (n / files).toFixed(2);
  const lines = [
    `\nrealtime pushes received (${files} files; per photo in brackets)`,
    `  socket messages ${counts.socketMessages} (${per(counts.socketMessages)}), ${counts.socketChars} chars (${per(counts.socketChars)})`,
    `  STOMP MESSAGE frames ${counts.messageFrames} (${per(counts.messageFrames)}), ${counts.messageChars} chars (${per(counts.messageChars)}), bodies ${counts.bodyChars} chars`,
    `  by destination: ${Object.entries(counts.byDestination)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `  events: ${Object.entries(counts.events)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v} (${per(v)})`)
      .join(", ")}`,
  ];
  return lines.join("\n");
}
