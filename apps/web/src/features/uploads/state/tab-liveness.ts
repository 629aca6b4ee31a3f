/**
 * Which tabs are still open, so a new tab takes over only the saved uploads of tabs that are gone
 * (reloaded, crashed, closed) and never those another open tab is still sending. Each uploading
 * tab holds a Web Lock named after its key for as long as it lives; the browser releases it when
 * the page goes, whatever way it goes.
 */

const LOCK_PREFIX = "rapidphoto-upload-tab:";

/** A key for this page: unique enough, and no secure context needed (crypto.randomUUID needs one). */
export function newTabKey(): string {
  return `tab_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

type Locks = {
  request(name: string, callback: () => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
};

function locks(): Locks | null {
  return (typeof navigator !== "undefined" && (navigator as { locks?: Locks }).locks) || null;
}

/**
 * Holds this tab's lock until `release` is called; resolves once it is held. Without Web Locks
 * (very old browsers) nothing is held and every saved tab looks gone, which only matters with two
 * tabs open at once.
 */
export async function holdTabLock(tabKey: string): Promise<() => void> {
  const api = locks();
  if (!api) return () => {};
  let release = () => {};
  const held = new Promise<void>((granted) => {
    void api.request(
      LOCK_PREFIX + tabKey,
      () =>
        new Promise<void>((done) => {
          release = done;
          granted();
        }),
    );
  });
  await held;
  return () => release();
}

/** The keys of tabs open now (their lock is held). */
export async function liveTabKeys(): Promise<Set<string>> {
  const api = locks();
  const keys = new Set<string>();
  if (!api) return keys;
  const { held = [] } = await api.query();
  for (const lock of held) if (lock.name?.startsWith(LOCK_PREFIX)) keys.add(lock.name.slice(LOCK_PREFIX.length));
  return keys;
}
