/**
 * What the bench installs in every page before it loads (addInitScript), identical for every
 * contender: a long-task observer, a rAF loop writing frame times into a preallocated ring (so the
 * probe itself does not grow the heap it measures), and a 100 ms check of the UI's "completed" count
 * that calls the bench back once it shows the expected number. The bench reads all of it after the
 * measured window; nothing is evaluated in the page during it.
 */

export type ProbeReadout = {
  timeOrigin: number;
  /** [startTime, duration] in the page's performance.now() ms. */
  longTasks: [number, number][];
  /** rAF timestamps (performance.now() ms), oldest first. */
  frames: number[];
  longTaskSupported: boolean;
};

/** The page globals the probe uses (this tsconfig leaves the DOM lib out). */
type PageGlobals = {
  localStorage: { setItem(key: string, value: string): void };
  document: { querySelector(selector: string): { textContent: string | null } | null };
  performance: { timeOrigin: number; now(): number };
  requestAnimationFrame(callback: (time: number) => void): number;
  setInterval(callback: () => void, ms: number): unknown;
  PerformanceObserver: new (
    callback: (list: { getEntries(): { startTime: number; duration: number }[] }) => void,
  ) => { observe(options: { type: string; buffered: boolean }): void };
  __benchProbe?: unknown;
  __benchUiDone?: (at: number) => void;
  __benchRead?: () => ProbeReadout;
};

/** Serialized into the page: no closures over module scope. */
export function installProbe(session: { key: string; value: string } | null): void {
  const page = globalThis as unknown as PageGlobals;
  if (session) page.localStorage.setItem(session.key, session.value);
  const FRAME_SLOTS = 1 << 16;
  const frames = new Float64Array(FRAME_SLOTS);
  const probe = {
    longTasks: [] as [number, number][],
    frameCount: 0,
    expected: -1,
    longTaskSupported: false,
  };
  page.__benchProbe = probe;
  try {
    new page.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push([entry.startTime, entry.duration]);
    }).observe({ type: "longtask", buffered: true });
    probe.longTaskSupported = true;
  } catch {}
  const onFrame = (time: number) => {
    frames[probe.frameCount % FRAME_SLOTS] = time;
    probe.frameCount++;
    page.requestAnimationFrame(onFrame);
  };
  page.requestAnimationFrame(onFrame);
  page.setInterval(() => {
    if (probe.expected < 0) return;
    const text = page.document.querySelector('[data-testid="upload-tab-count-completed"]')?.textContent ?? "";
    if (Number(text.replace(/\D/g, "")) >= probe.expected) {
      probe.expected = -1;
      page.__benchUiDone?.(page.performance.timeOrigin + page.performance.now());
    }
  }, 100);
  page.__benchRead = () => {
    const count = Math.min(probe.frameCount, FRAME_SLOTS);
    const first = probe.frameCount - count;
    const ordered: number[] = [];
    for (let i = first; i < probe.frameCount; i++) ordered.push(frames[i % FRAME_SLOTS] as number);
    // Handed over and let go: a batch's window starts after the last read, so nothing read is
    // needed again, and the page's heap over five batches should not hold the probe's own records
    // (thousands of them on a loaded machine).
    const longTasks = probe.longTasks;
    probe.longTasks = [];
    return {
      timeOrigin: page.performance.timeOrigin,
      longTasks,
      frames: ordered,
      longTaskSupported: probe.longTaskSupported,
    };
  };
}

/**
 * The probe as an init script. tsx compiles with esbuild's keepNames, which wraps inner functions
 * in a `__name` helper that exists only in Node; the page gets a no-op one in the script's scope.
 */
export function probeScript(session: { key: string; value: string } | null): string {
  return `(() => { const __name = (f) => f; (${installProbe.toString()})(${JSON.stringify(session)}); })();`;
}
