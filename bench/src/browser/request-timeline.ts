import type { Page, Request } from "playwright-core";

/**
 * The page's requests as the browser's network stack timed them (Playwright's `request.timing()`,
 * which it reads from CDP for every request anyway): when each started, when it got a connection
 * and its bytes began to go out, when its response ended. From these, over the sending (first
 * storage PUT started → last one ended): how many PUTs the page kept going, how many were really
 * on a connection, and what else held the origin's six HTTP/1.1 connections meanwhile
 * (finalizes, API calls, thumbnails). Clocks are the browser's, so a loaded machine stretches
 * every interval alike; compare pages within one run.
 */
export type RequestTimeline = {
  /** PUTs started and not ended, on average; 6 means the page never left a slot idle. */
  putsStarted: number;
  /** PUTs holding a connection (sending or waiting for their answer), on average. */
  putsOnWire: number;
  /** Other requests to the origin holding a connection, on average. */
  othersOnWire: number;
  /** Share of the sending with fewer than 6 PUTs started. */
  putsShortShare: number;
  /** Mean wait of a PUT for a connection (started → first byte out), ms. */
  putQueuedMs: number;
};

type Span = { put: boolean; start: number; send: number; end: number };

const FULL = 6;

export function recordRequests(page: Page, origin: string): { read(): RequestTimeline | undefined; stop(): void } {
  const spans: Span[] = [];
  const record = (request: Request, answered: boolean) => {
    if (!request.url().startsWith(origin)) return;
    const t = request.timing();
    // A page that never reads an answer's body (the bare page's PUTs) sees its request cancelled
    // later (net::ERR_ABORTED): it ended, for the page and for its connection, with the answer.
    const end = answered ? t.responseEnd : t.responseStart;
    if (t.startTime <= 0 || end < 0) return; // failed before it had an answer
    const put = request.method() === "PUT" && new URL(request.url()).pathname.startsWith("/storage/");
    const send = t.requestStart >= 0 ? t.requestStart : 0;
    spans.push({ put, start: t.startTime, send: t.startTime + send, end: t.startTime + end });
  };
  const onFinished = (request: Request) => record(request, true);
  const onFailed = (request: Request) => record(request, false);
  page.on("requestfinished", onFinished);
  page.on("requestfailed", onFailed);
  return {
    read: () => timeline(spans),
    stop: () => {
      page.off("requestfinished", onFinished);
      page.off("requestfailed", onFailed);
    },
  };
}

function timeline(spans: Span[]): RequestTimeline | undefined {
  const puts = spans.filter((s) => s.put);
  if (puts.length === 0) return undefined;
  const from = Math.min(...puts.map((s) => s.start));
  const to = Math.max(...puts.map((s) => s.end));
  const span = to - from;
  if (span <= 0) return undefined;
  const clipped = (a: number, b: number) => Math.max(0, Math.min(b, to) - Math.max(a, from));
  const sum = (list: Span[], f: (s: Span) => number) => list.reduce((n, s) => n + f(s), 0);
  // Time with fewer than FULL PUTs started: sweep over their starts and ends.
  const edges = puts.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let last = from;
  let short = 0;
  for (const [at, delta] of edges) {
    if (open < FULL) short += at - last;
    open += delta;
    last = at;
  }
  return {
    putsStarted: sum(puts, (s) => s.end - s.start) / span,
    putsOnWire: sum(puts, (s) => s.end - s.send) / span,
    othersOnWire:
      sum(
        spans.filter((s) => !s.put),
        (s) => clipped(s.send, s.end),
      ) / span,
    putsShortShare: short / span,
    putQueuedMs: sum(puts, (s) => s.send - s.start) / puts.length,
  };
}
