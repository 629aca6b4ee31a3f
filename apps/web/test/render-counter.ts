/**
 * React render counts without a special build: a stand-in for React DevTools' global hook, which
 * production React calls after every commit with the committed tree. Installed before the page
 * loads, it walks the part of the tree each commit reconciled (a subtree whose child list is the one
 * it had before bailed out and is skipped) and counts, per commit:
 * - components that rendered (function, class, forwardRef and memo'd function components whose
 *   fiber carries React's PerformedWork flag), by name — names survive only in the unminified build
 *   (`browser-profile` builds it so); minified, they are short and only their totals mean anything;
 * - elements with a `data-testid` rendered (mounted, or given new props: their owner rendered), by
 *   test id; those rendered again (already mounted), by test id and by test id and the key of the
 *   list item holding it (`upload-row@<id>`, `photo-tile@<photoId>`): this works in any build, so
 *   tests can assert on it; and for each, which props of the component rendering it changed.
 * Not a benchmark figure: it costs a walk per commit in the page. Used by the browser tests and by
 * `npm run bench -- browser-profile --renders`.
 */
import type { Page } from "playwright-core";

/** Per commit: when (Date.now()), components rendered by name, test-id elements rendered, rendered again, and by id@key. */
export type CommitRecord = {
  at: number;
  components: Record<string, number>;
  elements: Record<string, number>;
  updated: Record<string, number>;
  keyed: Record<string, number>;
  /** "test-id: the props of its component that changed", or "(own state or context)" when none did. */
  why: Record<string, number>;
};
type Counted = "components" | "elements" | "updated" | "keyed" | "why";

export const RENDER_COUNTER_SCRIPT = `(() => {
  if (globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__) return;
  const commits = [];
  globalThis.__renderCommits = commits;
  const PERFORMED_WORK = 1;
  const COMPONENT_TAGS = new Set([0, 1, 11, 15]);
  const HOST = 5;
  const nameOf = (fiber) => {
    const type = fiber.type;
    if (!type) return "(anonymous)";
    if (fiber.tag === 11) return type.displayName || (type.render && type.render.name) || "(forwardRef)";
    return type.displayName || type.name || "(anonymous)";
  };
  const bump = (map, key) => { map[key] = (map[key] || 0) + 1; };
  // The key of the nearest keyed fiber above (a list item), a few levels up at most.
  const keyAbove = (fiber) => {
    for (let f = fiber, i = 0; f && i < 4; f = f.return, i++) if (f.key !== null && f.key !== undefined) return f.key;
    return null;
  };
  const ownerOf = (fiber) => {
    for (let f = fiber.return; f; f = f.return) if (COMPONENT_TAGS.has(f.tag)) return f;
    return null;
  };
  function visit(fiber, record) {
    const before = fiber.alternate;
    if (COMPONENT_TAGS.has(fiber.tag) && (fiber.flags & PERFORMED_WORK) !== 0) bump(record.components, nameOf(fiber));
    if (fiber.tag === HOST) {
      const props = fiber.memoizedProps;
      const id = props && props["data-testid"];
      if (id && !before) bump(record.elements, id);
      if (id && before && before.memoizedProps !== props) {
        bump(record.elements, id);
        bump(record.updated, id);
        const key = keyAbove(fiber);
        if (key !== null) bump(record.keyed, id + "@" + key);
        const owner = ownerOf(fiber);
        if (owner && owner.alternate) {
          const a = owner.alternate.memoizedProps || {};
          const b = owner.memoizedProps || {};
          const changed = Object.keys(b).filter((k) => a[k] !== b[k]);
          const why = id + ": " + (changed.length ? changed.join(",") : "(own state or context)");
          bump(record.why, why);
        }
      }
    }
    // Bailed out with its children untouched: nothing below rendered in this commit.
    if (before && before.child === fiber.child) return;
    for (let child = fiber.child; child; child = child.sibling) visit(child, record);
  }
  globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(renderer) { const id = this.renderers.size + 1; this.renderers.set(id, renderer); return id; },
    checkDCE() {},
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id, root) {
      const record = { at: Date.now(), components: {}, elements: {}, updated: {}, keyed: {}, why: {} };
      const current = root.current;
      for (let child = current.child; child; child = child.sibling) visit(child, record);
      commits.push(record);
    },
  };
})();`;

/** The commits recorded so far (optionally only those from `since`, a Date.now() value). */
export async function readCommits(page: Page, since = 0): Promise<CommitRecord[]> {
  return page.evaluate(
    (from) =>
      ((globalThis as unknown as { __renderCommits?: CommitRecord[] }).__renderCommits ?? []).filter(
        (c) => c.at >= from,
      ),
    since,
  );
}

/** Renders of each name over `commits`, summed (`key`: which record). */
export function totals(commits: readonly CommitRecord[], key: Counted): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of commits) for (const [name, n] of Object.entries(c[key])) out.set(name, (out.get(name) ?? 0) + n);
  return out;
}

/** Commits and renders before and after `splitAt` (Date.now()), the components and elements rendered most. */
export function summarizeCommits(commits: readonly CommitRecord[], splitAt: number, top = 30): string {
  const sum = totals;
  const upload = commits.filter((c) => c.at < splitAt);
  const after = commits.filter((c) => c.at >= splitAt);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const lines: string[] = [];
  for (const key of ["components", "elements"] as const) {
    const a = sum(upload, key);
    const b = sum(after, key);
    const names = [...new Set([...a.keys(), ...b.keys()])].sort(
      (x, y) => (b.get(y) ?? 0) + (a.get(y) ?? 0) - ((b.get(x) ?? 0) + (a.get(x) ?? 0)),
    );
    lines.push(
      `\nReact ${key === "components" ? "components rendered" : "test-id elements rendered again"}: ${total(a)} before the last byte, ${total(b)} after`,
      "   upload    after  name",
      ...names
        .slice(0, top)
        .map((n) => `${String(a.get(n) ?? 0).padStart(8)} ${String(b.get(n) ?? 0).padStart(8)}  ${n}`),
    );
  }
  return [`\nReact commits: ${upload.length} before the last byte, ${after.length} after`, ...lines].join("\n");
}
