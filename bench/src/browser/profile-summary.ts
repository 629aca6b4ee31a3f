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

import { summarizeGcReasons } from "./gc-reasons.js";

/** One Chromium trace event (the fields used here). */
export type TraceEvent = {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  tdur?: number;
  args?: {
    name?: string;
    data?: {
      type?: string;
      functionName?: string;
      url?: string;
      /** Paint: the painted rect as a quad (x, y) × 4, in the layer's space. */
      clip?: number[];
      nodeName?: string;
      /** Animation: its name and the animated property; invalidation tracking: why. */
      name?: string;
      displayName?: string;
      reason?: string;
      cause?: { reason?: string };
    };
  };
};

/** [before the split, after it] in ms, and how many samples or events (in all, and after the split). */
type Split = { upload: number; after: number; count: number; countAfter: number };
const TOP_SELF = 40;
const TOP_TOTAL = 60;
const IDLE = new Set(["(idle)", "(root)"]);

const add = (into: Map<string, Split>, key: string, ms: number, after: boolean) => {
  const entry = into.get(key) ?? { upload: 0, after: 0, count: 0, countAfter: 0 };
  if (after) {
    entry.after += ms;
    entry.countAfter++;
  } else entry.upload += ms;
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
  const busy = { upload: 0, after: 0 };
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
export function summarizeTrace(events: TraceEvent[], splitAtMs: number, longOverMs = LONG_TASK_MS): string {
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
    longTasks(mine, start, split, longOverMs),
    threadTime(events, split),
    summarizeFrames(mine, events, main, split),
    table("main thread self time by event (ms)", self, TOP_SELF),
    table("what started the main thread's tasks, inclusive (ms)", triggers, TOP_SELF),
    summarizeGcReasons(events, main, start),
  ].join("\n");
}

/** Top-level task events as Chromium traces them on its threads (the main thread's is RunTask). */
const TASK_EVENTS = new Set(["RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"]);

/**
 * Every traced thread's tasks, their time and the thread's CPU time in them. In the bench the whole
 * browser shares one core: tasks on the page's main thread lasting three times their CPU time, while
 * the threads' CPU together is well under the recording's length, point at waits (synchronous calls
 * to the browser process) rather than at the page's own work; the worker's line shows hashing's share.
 */
function threadTime(events: TraceEvent[], split: number): string {
  const threadNames = new Map<string, string>();
  const processNames = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== "M") continue;
    if (e.name === "thread_name" && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
    if (e.name === "process_name" && e.args?.name) processNames.set(e.pid, e.args.name);
  }
  const time = new Map<string, Split>();
  for (const e of events) {
    if (e.ph !== "X" || !TASK_EVENTS.has(e.name) || e.dur === undefined) continue;
    const thread = `${processNames.get(e.pid) ?? e.pid} / ${threadNames.get(`${e.pid}:${e.tid}`) ?? e.tid}`;
    add(time, `${thread}: tasks`, e.dur / 1000, e.ts >= split);
    add(time, `${thread}: CPU in them`, (e.tdur ?? 0) / 1000, e.ts >= split);
  }
  return table("traced threads: their tasks' duration and CPU time (ms)", time, TOP_SELF);
}

const LONG_TASK_MS = 50;
/** Events inside a long task shorter than this are left out of its listing. */
const LONG_TASK_DETAIL_MS = 2;

/**
 * Each main-thread task over 50 ms (what the page's long-task observer counts), or over `overMs`
 * (`--long-over`: the tasks a core two or three times slower would make long): when it ran, and
 * what ran inside it (events of 2 ms or more, nested, with the script's function or the event's type).
 */
function longTasks(mine: TraceEvent[], start: number, split: number, overMs: number): string {
  const lines = [
    `\nlong tasks (> ${overMs} ms) on the main thread: start (ms from the recording's start; after = past the last byte), duration (the thread's CPU time in it), inside`,
  ];
  const tasks = mine.filter((e) => e.name === "RunTask" && (e.dur as number) / 1000 > overMs);
  for (const task of tasks) {
    const end = task.ts + (task.dur as number);
    const at = ((task.ts - start) / 1000).toFixed(0);
    // A task whose CPU time is a fraction of its duration waited: for the core (the whole browser is
    // pinned to one in the bench) or for a synchronous call to the browser process.
    const cpu = task.tdur === undefined ? "" : ` (CPU ${(task.tdur / 1000).toFixed(1)} ms)`;
    lines.push(
      `  at ${at} ms${task.ts >= split ? " (after)" : ""}: ${((task.dur as number) / 1000).toFixed(1)} ms${cpu}`,
    );
    const stack: number[] = [];
    for (const e of mine) {
      if (e.ts < task.ts || e === task) continue;
      if (e.ts >= end) break;
      const eEnd = e.ts + (e.dur as number);
      while (stack.length && (stack.at(-1) as number) <= e.ts) stack.pop();
      stack.push(eEnd);
      if ((e.dur as number) / 1000 < LONG_TASK_DETAIL_MS) continue;
      const data = e.args?.data;
      const what = [data?.type, data?.functionName, data?.url?.slice(data.url.lastIndexOf("/") + 1)]
        .filter(Boolean)
        .join(" ");
      lines.push(
        `  ${"  ".repeat(stack.length)}${((e.dur as number) / 1000).toFixed(1).padStart(6)}  ${e.name}${what ? `: ${what}` : ""}`,
      );
    }
  }
  if (tasks.length === 0) lines.push("  none");
  return lines.join("\n");
}

/** What a commit carried to the compositor: the lifecycle work done since the previous one. */
type FrameWork = { style: number; layout: number; paint: number };

/**
 * Load-independent counts of the rendering pipeline, before and after the split: animation frames,
 * main-frame updates and commits (by what each carried: a paint, a layout, a style recalc, or
 * nothing the page changed), paints by element and their area, raster tasks, CSS animations and
 * transitions started, and (when traced) what invalidated style, layout and paint.
 */
function summarizeFrames(
  mine: TraceEvent[],
  all: TraceEvent[],
  main: { pid: number; tid: number },
  split: number,
): string {
  const counts = new Map<string, Split>();
  const count = (key: string, after: boolean, ms = 0) => add(counts, key, ms, after);
  const painted = new Map<string, Split>();
  const started = new Map<string, Split>();
  const invalidations = new Map<string, Split>();
  // The viewport: the root's paint rect (Paint clips of other layers can be "infinite").
  let viewport = { width: 0, height: 0 };
  for (const e of mine) {
    if (e.name !== "Paint" || e.args?.data?.nodeName !== "#document") continue;
    const box = quadBox(e.args.data.clip ?? []);
    if (box.width * box.height > viewport.width * viewport.height) viewport = box;
  }
  if (viewport.width === 0) viewport = { width: 1280, height: 800 };
  let work: FrameWork = { style: 0, layout: 0, paint: 0 };
  for (const e of mine) {
    const after = e.ts >= split;
    const data = e.args?.data;
    switch (e.name) {
      case "FireAnimationFrame":
        count("animation frames fired (rAF callbacks run)", after);
        break;
      case "PrePaint":
        count("main-frame lifecycle updates (PrePaint)", after);
        break;
      case "UpdateLayoutTree":
        work.style++;
        break;
      case "Layout":
        work.layout++;
        break;
      case "Paint": {
        work.paint++;
        const box = quadBox(data?.clip ?? []);
        const area = Math.min(box.width, viewport.width) * Math.min(box.height, viewport.height);
        count("paints", after);
        count("paint area, viewports (one = the whole window)", after, area / (viewport.width * viewport.height));
        if (data?.nodeName === "#document") count("… of which the whole document", after);
        add(painted, (data?.nodeName ?? "?").slice(0, 90), 0, after);
        break;
      }
      case "Commit": {
        const kind = work.paint
          ? "with a paint"
          : work.layout
            ? "with a layout, no paint"
            : work.style
              ? "with a style recalc only"
              : "with no style, layout or paint";
        count("commits", after, (e.dur as number) / 1000);
        count(`… ${kind}`, after, (e.dur as number) / 1000);
        count("commit thread time (ms, in 'total')", after, (e.tdur ?? 0) / 1000);
        work = { style: 0, layout: 0, paint: 0 };
        break;
      }
    }
  }
  for (const e of all) {
    if (e.pid !== main.pid) continue;
    const after = e.ts >= split;
    const data = e.args?.data;
    if (e.name === "RasterTask" && e.ph === "X") count("raster tasks (any thread)", after, (e.dur ?? 0) / 1000);
    if (e.name === "ImageDecodeTask" && e.ph === "X") count("image decodes (any thread)", after, (e.dur ?? 0) / 1000);
    if (e.name === "Animation" && e.ph === "b") {
      add(started, `${data?.displayName ?? data?.name ?? "?"} on ${(data?.nodeName ?? "?").slice(0, 80)}`, 0, after);
    }
    if (e.name.endsWith("InvalidationTracking") && e.tid === main.tid) {
      const why = data?.reason ?? data?.cause?.reason ?? "";
      add(invalidations, `${e.name}: ${why} · ${(data?.nodeName ?? "").slice(0, 70)}`, 0, after);
    }
  }
  const order = [
    "animation frames fired (rAF callbacks run)",
    "main-frame lifecycle updates (PrePaint)",
    "commits",
    "… with a paint",
    "… with a layout, no paint",
    "… with a style recalc only",
    "… with no style, layout or paint",
    "commit thread time (ms, in 'total')",
    "paints",
    "… of which the whole document",
    "paint area, viewports (one = the whole window)",
    "raster tasks (any thread)",
    "image decodes (any thread)",
  ];
  const lines = order.map((key) => {
    const s = counts.get(key) ?? { upload: 0, after: 0, count: 0, countAfter: 0 };
    const sum = s.upload + s.after;
    const ms = sum > 0 ? ` (total ${sum.toFixed(1)}: ${s.upload.toFixed(1)} / ${s.after.toFixed(1)})` : "";
    return `${String(s.count).padStart(7)} ${String(s.count - s.countAfter).padStart(7)} ${String(s.countAfter).padStart(7)}   ${key}${ms}`;
  });
  return [
    "\nframes, commits and paints (counts: total, upload, after the last byte; ms or viewports in brackets)",
    ...lines,
    countTable("elements painted (count)", painted),
    countTable("CSS animations and transitions started (count)", started),
    invalidations.size ? countTable("invalidations (count)", invalidations) : "",
  ].join("\n");
}

function countTable(title: string, rows: Map<string, Split>): string {
  const sorted = [...rows].sort(([, a], [, b]) => b.count - a.count).slice(0, TOP_SELF);
  const lines = sorted.map(
    ([key, s]) =>
      `${String(s.count).padStart(7)} ${String(s.count - s.countAfter).padStart(7)} ${String(s.countAfter).padStart(7)}  ${key}`,
  );
  return [`\n${title}`, "  total  upload   after  what", ...lines].join("\n");
}

function quadBox(quad: number[]): { width: number; height: number } {
  const xs = quad.filter((_, i) => i % 2 === 0);
  const ys = quad.filter((_, i) => i % 2 === 1);
  if (!xs.length) return { width: 0, height: 0 };
  return { width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
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
