/**
 * `browser-profile --mode alloc`: V8's sampling heap profiler over the upload, and where its bytes
 * were allocated (by function and by script, self and inclusive). V8 reports only what is still
 * alive at stop unless told otherwise; here objects freed by a major GC are kept, so by default the
 * profile holds what a major GC collected (what was promoted to the old generation, and the young
 * objects that were still there when a major GC came, which is many when major GCs are nearly as
 * frequent as minor ones, as in a long upload) plus what is alive at the end. `--young` also keeps
 * what minor GCs freed: every byte allocated.
 */
import { writeFile } from "node:fs/promises";
import type { CDPSession } from "playwright-core";
import type { Recorder } from "./profile-ui.js";

/** Bytes between samples, V8's default: a 3,000-file upload gives tens of thousands of samples. */
const SAMPLING_INTERVAL = 32768;
const TOP = 40;

type AllocNode = {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
};

export async function startAlloc(cdp: CDPSession, young: boolean): Promise<Recorder> {
  await cdp.send("HeapProfiler.enable");
  // Start from a collected heap so what was allocated before the upload is not counted as promoted.
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.startSampling", {
    samplingInterval: SAMPLING_INTERVAL,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: young,
  });
  return {
    async stop(file) {
      const { profile } = await cdp.send("HeapProfiler.stopSampling");
      await writeFile(file, JSON.stringify(profile));
      return summarizeAlloc(profile.head as AllocNode, young);
    },
  };
}

const frameKey = (frame: AllocNode["callFrame"]): string => {
  const name = frame.functionName || "(anonymous)";
  return frame.url ? `${name}  ${scriptName(frame.url)}:${frame.lineNumber + 1}` : name;
};
const scriptName = (url: string): string =>
  url ? url.slice(url.lastIndexOf("/") + 1).replace(/-[0-9a-f]{16}\.js$/, ".js") : "(no script: V8, the DOM)";

/** Self bytes per function, inclusive bytes per function on the stack (recursion once), self per script. */
export function summarizeAlloc(head: AllocNode, young: boolean): string {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const scripts = new Map<string, number>();
  let all = 0;
  const bump = (into: Map<string, number>, key: string, bytes: number) => into.set(key, (into.get(key) ?? 0) + bytes);
  const walk = (node: AllocNode, stack: string[]): number => {
    const key = frameKey(node.callFrame);
    const mine = [...stack, key];
    let below = node.selfSize;
    for (const child of node.children) below += walk(child, mine);
    if (node.selfSize) {
      bump(self, key, node.selfSize);
      bump(scripts, scriptName(node.callFrame.url), node.selfSize);
      all += node.selfSize;
    }
    // Inclusive once per node whose function is not already lower on the stack (recursion).
    if (!stack.includes(key)) bump(inclusive, key, below);
    return below;
  };
  walk(head, []);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2).padStart(8);
  const share = (bytes: number) => `${((100 * bytes) / (all || 1)).toFixed(1).padStart(5)}%`;
  const table = (title: string, rows: Map<string, number>) =>
    [
      `\n${title}`,
      "      MB  share  where",
      ...[...rows]
        .filter(([key]) => key !== "(root)")
        .sort(([, a], [, b]) => b - a)
        .slice(0, TOP)
        .map(([key, bytes]) => `${mb(bytes)} ${share(bytes)}  ${key}`),
    ].join("\n");
  const what = young
    ? "every byte allocated (freed by minor or major GCs, or alive at the end)"
    : "bytes freed by major GCs or alive at the end (not those minor GCs freed)";
  return [
    `sampled allocations: ${mb(all).trim()} MB, ${what}`,
    table("self bytes by script", scripts),
    table("self bytes by function", self),
    table("inclusive bytes by function", inclusive),
  ].join("\n");
}
