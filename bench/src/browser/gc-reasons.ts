/**
 * `browser-profile --mode trace --gc-reasons`: why each major GC of the page's main thread started.
 * V8 starts one when its old generation nears its limit, or when the global figure (V8's heap with
 * Blink's own heap, Oilpan, and external memory such as array buffers) nears the global limit; the
 * trace's V8.GCIncrementalMarkingStart events (category "v8") carry the reason and both figures.
 * A JS allocation profile (--mode alloc) explains only the first kind.
 */
import type { TraceEvent } from "./profile-summary.js";

/** What the trace must record for the summary. */
export const GC_REASON_CATEGORIES = ["v8", "disabled-by-default-v8.gc"];

type MarkingStart = {
  reason?: string;
  old_gen_consumed_bytes?: number;
  old_gen_allocation_limit?: number;
  global_consumed_bytes?: number;
  global_allocation_limit?: number;
};

export function summarizeGcReasons(events: TraceEvent[], main: { pid: number; tid: number }, start: number): string {
  const mb = (bytes = 0) => (bytes / 1e6).toFixed(0);
  const reasons = new Map<string, number>();
  const lines: string[] = [];
  for (const e of events) {
    if (e.name !== "V8.GCIncrementalMarkingStart" || e.pid !== main.pid || e.tid !== main.tid) continue;
    const v = ((e.args as { value?: MarkingStart } | undefined)?.value ?? {}) as MarkingStart;
    const reason = v.reason ?? "(none given)";
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    const global = v.global_consumed_bytes ?? 0;
    const old = v.old_gen_consumed_bytes ?? 0;
    lines.push(
      `${((e.ts - start) / 1e6).toFixed(0).padStart(6)} s  old gen ${mb(old)}/${mb(v.old_gen_allocation_limit)}  global ${mb(global)}/${mb(v.global_allocation_limit)}  (global - old gen ${mb(global - old)})  ${reason}`,
    );
  }
  if (lines.length === 0) return ""; // not recorded (no --gc-reasons)
  return [
    "\nmajor GC starts (incremental marking) on the main thread: when, MB consumed/limit, why",
    ...lines,
    "by reason:",
    ...[...reasons].map(([reason, n]) => `${String(n).padStart(6)}  ${reason}`),
  ].join("\n");
}
