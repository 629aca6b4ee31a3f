/**
 * Heap snapshots of the page (CDP HeapProfiler) and what one holds that an earlier one did not:
 * the objects allocated after the first snapshot and still alive at the second (V8 keeps node ids
 * stable within a session), grouped by constructor, each group with the retainer paths most of its
 * objects hang from. Used by `browser-profile --mode heap` to find what a finished batch leaves behind.
 */
import type { CDPSession } from "playwright-core";

type RawSnapshot = {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
};

export async function takeHeapSnapshot(cdp: CDPSession): Promise<RawSnapshot> {
  await cdp.send("HeapProfiler.enable");
  await cdp.send("HeapProfiler.collectGarbage");
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on("HeapProfiler.addHeapSnapshotChunk", onChunk);
  await cdp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  cdp.off("HeapProfiler.addHeapSnapshotChunk", onChunk);
  return JSON.parse(chunks.join("")) as RawSnapshot;
}

/** A parsed snapshot: per node its id, group key and self size, and who points at it. */
class Heap {
  readonly ids: number[] = [];
  readonly keys: string[] = [];
  readonly sizes: number[] = [];
  /** Per node: [retainer node index, edge label]. */
  readonly retainers: [number, string][][] = [];

  constructor(raw: RawSnapshot) {
    const { meta } = raw.snapshot;
    const nf = meta.node_fields.length;
    const ef = meta.edge_fields.length;
    const [fType, fName, fId, fSize, fEdges] = ["type", "name", "id", "self_size", "edge_count"].map((f) =>
      meta.node_fields.indexOf(f),
    ) as [number, number, number, number, number];
    const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) => meta.edge_fields.indexOf(f)) as [
      number,
      number,
      number,
    ];
    const nodeTypes = meta.node_types[0];
    const edgeTypes = meta.edge_types[0];
    const count = raw.nodes.length / nf;
    for (let i = 0; i < count; i++) {
      const at = i * nf;
      const type = nodeTypes[raw.nodes[at + fType] as number] as string;
      const name = raw.strings[raw.nodes[at + fName] as number] as string;
      this.ids.push(raw.nodes[at + fId] as number);
      this.sizes.push(raw.nodes[at + fSize] as number);
      this.keys.push(groupKey(type, name));
      this.retainers.push([]);
    }
    let edge = 0;
    for (let i = 0; i < count; i++) {
      const edges = raw.nodes[i * nf + fEdges] as number;
      for (let k = 0; k < edges; k++, edge += ef) {
        const type = edgeTypes[raw.edges[edge + eType] as number] as string;
        if (type === "weak") continue;
        const nameOrIndex = raw.edges[edge + eName] as number;
        const label =
          type === "element" || type === "hidden" ? `[${nameOrIndex}]` : (raw.strings[nameOrIndex] as string);
        const to = (raw.edges[edge + eTo] as number) / nf;
        this.retainers[to]?.push([i, label]);
      }
    }
  }

  /** "Ctor.label ← Ctor.label ← …" up to `depth` steps, following the first non-weak retainer each time. */
  path(node: number, depth: number): string {
    const steps: string[] = [];
    let at = node;
    for (let d = 0; d < depth; d++) {
      const next = this.retainers[at]?.find(([from]) => !this.keys[from]?.startsWith("(system"));
      if (!next) break;
      steps.push(`${this.keys[next[0]]}.${next[1]}`);
      at = next[0];
    }
    return steps.join(" ← ");
  }
}

function groupKey(type: string, name: string): string {
  if (type === "object" || type === "closure" || type === "native") return `${name}${type === "closure" ? "()" : ""}`;
  if (type === "string" || type === "concatenated string" || type === "sliced string") return "(string)";
  return `(${type}) ${name.length > 40 ? `${name.slice(0, 40)}…` : name}`;
}

/**
 * Blink's own objects (cppgc: DOM, layout, paint) are in the snapshot too, but not in the V8 heap
 * figure the bench reports (Runtime.getHeapUsage usedSize): listed apart.
 */
const isNative = (key: string) => key.startsWith("blink::") || key.startsWith("cppgc::") || key.startsWith("(native)");

/**
 * Per constructor, bytes and count in each snapshot and the difference (V8 objects only), largest
 * growth first: what the bench's heap figure grew by, by what.
 */
function netGrowth(a: Heap, b: Heap, top: number): string[] {
  const sum = (heap: Heap) => {
    const groups = new Map<string, { count: number; bytes: number }>();
    heap.keys.forEach((key, i) => {
      if (isNative(key)) return;
      const g = groups.get(key) ?? { count: 0, bytes: 0 };
      g.count++;
      g.bytes += heap.sizes[i] as number;
      groups.set(key, g);
    });
    return groups;
  };
  const [before, after] = [sum(a), sum(b)];
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows = [...keys].map((key) => {
    const x = before.get(key) ?? { count: 0, bytes: 0 };
    const y = after.get(key) ?? { count: 0, bytes: 0 };
    return { key, bytes: y.bytes - x.bytes, count: y.count - x.count };
  });
  const total = rows.reduce((t, r) => t + r.bytes, 0);
  rows.sort((x, y) => y.bytes - x.bytes);
  return [
    `V8 objects, net growth: ${(total / 1024).toFixed(0)} KB`,
    "     KB   count  constructor",
    ...rows
      .slice(0, top)
      .map((r) => `${(r.bytes / 1024).toFixed(1).padStart(7)} ${String(r.count).padStart(7)}  ${r.key}`),
  ];
}

/**
 * The net growth per constructor (V8 objects), then the objects alive in `later` that were not in
 * `earlier`, grouped by constructor: count, bytes, and for the largest groups the commonest
 * retainer paths.
 */
export function diffSnapshots(earlier: RawSnapshot, later: RawSnapshot, top = 40): string {
  const first = new Heap(earlier);
  const before = new Set(first.ids);
  const heap = new Heap(later);
  const net = netGrowth(first, heap, top);
  const groups = new Map<string, { count: number; bytes: number; nodes: number[] }>();
  let total = 0;
  heap.ids.forEach((id, i) => {
    if (before.has(id)) return;
    const key = heap.keys[i] as string;
    const g = groups.get(key) ?? { count: 0, bytes: 0, nodes: [] };
    g.count++;
    g.bytes += heap.sizes[i] as number;
    total += heap.sizes[i] as number;
    g.nodes.push(i);
    groups.set(key, g);
  });
  const sorted = [...groups].sort(([, a], [, b]) => b.bytes - a.bytes).slice(0, top * 2);
  const lines = [...net, "", `new and still alive: ${(total / 1024).toFixed(0)} KB`, "     KB   count  constructor"];
  for (const [key, g] of sorted) {
    if (isNative(key)) continue;
    lines.push(`${(g.bytes / 1024).toFixed(1).padStart(7)} ${String(g.count).padStart(7)}  ${key}`);
    const paths = new Map<string, number>();
    for (const n of g.nodes.slice(0, 400)) {
      const p = heap.path(n, 7);
      paths.set(p, (paths.get(p) ?? 0) + 1);
    }
    for (const [p, n] of [...paths].sort(([, a], [, b]) => b - a).slice(0, 3)) lines.push(`          ${n}× ← ${p}`);
  }
  return lines.join("\n");
}

/**
 * What a snapshot's V8 heap holds, by kind, in bytes (self sizes; Blink's own objects, DOM and
 * performance entries included, are left out, as Runtime.getHeapUsage leaves them out):
 * - `code`: what V8 makes of the page's functions as they run: bytecode, optimised code and its
 *   relocation and deoptimisation data, feedback vectors and inline-cache handlers, function and
 *   script records, the lists of code that depends on an object shape. It grows with how often and
 *   how long functions have run, and with the machine's load (which moves when they are optimised),
 *   not with what the page keeps;
 * - `data`: everything else V8 holds: the objects, arrays, closures, strings, numbers and object
 *   shapes of the page (the bench's probe included: it is in every contender's page).
 */
export type HeapKinds = { code: number; data: number };

/** V8's own records in a snapshot (node type "native", named "system / …" as V8 names them). */
const V8_INTERNAL = /^system \/ /;
/** Of those, the ones that belong to compiled code (heap-snapshot-generator.cc names). */
const CODE_INTERNALS =
  /feedback|bytecode|instruction ?stream|relocation|deopt|source ?position|code|shared ?function ?info|scope ?info|preparse|uncompiled|interpreter|handler|trusted|protected|WeakArrayList/i;
/** Backing stores outside V8's heap (script sources, array buffers): not in the heap figure either. */
const OFF_HEAP = /ExternalStringData|JSArrayBufferData/;
/** Node types of V8's own JS heap. */
const V8_TYPES = new Set([
  "object",
  "closure",
  "array",
  "string",
  "concatenated string",
  "sliced string",
  "number",
  "regexp",
  "symbol",
  "bigint",
  "object shape",
  "hidden",
]);

export function heapKinds(raw: RawSnapshot): HeapKinds {
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const [fType, fName, fSize] = ["type", "name", "self_size"].map((f) => meta.node_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = meta.node_types[0];
  const kinds: HeapKinds = { code: 0, data: 0 };
  for (let at = 0; at < raw.nodes.length; at += nf) {
    const type = nodeTypes[raw.nodes[at + fType] as number] as string;
    const size = raw.nodes[at + fSize] as number;
    if (type === "code") {
      kinds.code += size;
      continue;
    }
    const name = raw.strings[raw.nodes[at + fName] as number] as string;
    const internal = V8_INTERNAL.test(name);
    if (internal && OFF_HEAP.test(name)) continue;
    if (internal && CODE_INTERNALS.test(name)) kinds.code += size;
    else if (internal || V8_TYPES.has(type)) kinds.data += size;
  }
  return kinds;
}
