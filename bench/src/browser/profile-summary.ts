/**
 * Text summaries of a renderer recording (profile-ui.ts): where the main thread's time went, split
 * at the moment the server had stored the last byte (the "work after the last byte" goal).
 */

export type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};

type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** One Chromium trace event (the fields used here). */
export type TraceEvent = {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { type?: string; functionName?: string; url?: string } };
};

/** [before the split, after it] in ms, and how many samples or events. */
type Split = { upload: number; after: number; count: number };
const TOP_SELF = 40;
const TOP_TOTAL = 60;
const IDLE = new Set(["(idle)", "(root)"]);

const add = (into: Map<string, Split>, key: string, ms: number, after: boolean) => {
  const entry = into.get(key) ?? { upload: 0, after: 0, count: 0 };
  if (after) entry.after += ms;
  else entry.upload += ms;
  entry.count++;
  into.set(key, entry);
};

function table(title: string, rows: Map<string, Split>, top: number): string {
  const sorted = [...rows].sort(([, a], [, b]) => b.upload + b.after - (a.upload + a.after)).slice(0, top);
  const ms = (n: number) => n.toFixed(0).padStart(7);
  const lines = sorted.map(
    ([key, s]) => `${ms(s.upload + s.after)} ${ms(s.upload)} ${ms(s.after)} ${String(s.count).padStart(7)}  ${key}`,
  );
  return [`\n${title}`, "  total  upload   after   count  what", ...lines].join("\n");
}

function frameKey(frame: ProfileNode["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const file = frame.url.slice(frame.url.lastIndexOf("/") + 1).replace(/-[0-9a-f]{16}\.js$/, ".js");
  return `${name}  ${file}:${frame.lineNumber + 1}`;
}

/** Self and inclusive time per function, before and after `splitAtMs` (from the profile's start). */
export function summarizeProfile(profile: CpuProfile, splitAtMs: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, Split>();
  const total = new Map<string, Split>();
  const busy = { upload: 0, after: 0, count: 0 };
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    const key = frameKey(node.callFrame);
    if (IDLE.has(key)) return;
    const after = at / 1000 >= splitAtMs;
    if (after) busy.after += ms;
    else busy.upload += ms;
    add(self, key, ms, after);
    // Inclusive: every distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = frameKey((byId.get(n) as ProfileNode).callFrame);
      if (seen.has(k) || IDLE.has(k)) continue;
      seen.add(k);
      add(total, k, ms, after);
    }
  });
  return [
    `busy (not idle) ms: upload ${busy.upload.toFixed(0)}, after the last byte ${busy.after.toFixed(0)}`,
    table("self time (ms)", self, TOP_SELF),
    table("inclusive time (ms)", total, TOP_TOTAL),
  ].join("\n");
}

/**
 * Self time per trace event name on the page's main thread, and the inclusive time of what started
 * each task (the event right under RunTask: a timer, a message, an XHR event, a frame), by type.
 */
export function summarizeTrace(events: TraceEvent[], splitAtMs: number): string {
  const main = mainThread(events);
  const mine = events
    .filter((e) => e.ph === "X" && e.pid === main.pid && e.tid === main.tid && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || (b.dur as number) - (a.dur as number));
  let start = Number.POSITIVE_INFINITY;
  for (const e of events) if (e.ts > 0 && e.ts < start) start = e.ts;
  const split = start + splitAtMs * 1000;
  const self = new Map<string, Split>();
  const triggers = new Map<string, Split>();
  const stack: { event: TraceEvent; end: number; child: number }[] = [];
  const close = (until: number) => {
    while (stack.length && (stack.at(-1) as { end: number }).end <= until) {
      const done = stack.pop() as { event: TraceEvent; child: number };
      add(self, done.event.name, ((done.event.dur as number) - done.child) / 1000, done.event.ts >= split);
    }
  };
  for (const event of mine) {
    close(event.ts);
    const top = stack.at(-1);
    if (top) top.child += event.dur as number;
    if (top?.event.name === "RunTask" && stack.length === 1) {
      const data = event.args?.data;
      const what = data?.type ?? data?.functionName ?? "";
      add(triggers, what ? `${event.name}: ${what}` : event.name, (event.dur as number) / 1000, event.ts >= split);
    }
    stack.push({ event, end: event.ts + (event.dur as number), child: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  return [
    table("main thread self time by event (ms)", self, TOP_SELF),
    table("what started the main thread's tasks, inclusive (ms)", triggers, TOP_SELF),
  ].join("\n");
}

/** The renderer main thread with the most work: the page's (other renderers are extensions, workers' hosts). */
function mainThread(events: TraceEvent[]): { pid: number; tid: number } {
  const mains = events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain");
  let best = { pid: -1, tid: -1, n: -1 };
  for (const m of mains) {
    const n = events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === "X").length;
    if (n > best.n) best = { pid: m.pid, tid: m.tid, n };
  }
  return best;
}
