import type { UploadSource } from "./source.js";
import type { FileState } from "./store.js";

/**
 * Recognising a file picked again after a reload. A browser gives no stable file identity, so a
 * file is known by its name, size and modification time; where the content hash of the first pick
 * is known, the caller confirms with it (a file edited and saved at the same size and time is
 * rare, but two cameras do reuse names).
 */

type Fingerprinted = Pick<FileState, "name" | "bytesTotal" | "lastModified">;

function keyOf(name: string, size: number, lastModified: number): string {
  return `${size}:${lastModified}:${name}`;
}

/**
 * Pairs each waiting file with at most one picked source of the same fingerprint, in order.
 * A waiting file recorded without a modification time (0) matches on name and size.
 */
export function matchByFingerprint<F extends Fingerprinted>(
  waiting: readonly F[],
  sources: readonly UploadSource[],
): { pairs: [F, UploadSource][]; unmatched: UploadSource[] } {
  const byKey = new Map<string, F[]>();
  for (const file of waiting) {
    const key = keyOf(file.name, file.bytesTotal, file.lastModified);
    byKey.set(key, [...(byKey.get(key) ?? []), file]);
  }
  const pairs: [F, UploadSource][] = [];
  const unmatched: UploadSource[] = [];
  for (const source of sources) {
    const exact = byKey.get(keyOf(source.name, source.size, source.lastModified ?? 0));
    const loose = byKey.get(keyOf(source.name, source.size, 0));
    const file = exact?.shift() ?? loose?.shift();
    if (file) pairs.push([file, source]);
    else unmatched.push(source);
  }
  return { pairs, unmatched };
}
