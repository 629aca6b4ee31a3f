import { isTerminalPhoto, type PhotoStatus } from "@rapidphoto/protocol";
import { formatCount, plural } from "@/lib/format";

/**
 * Batches of files added together (one pick or drop), so the person hears once when a whole batch
 * is done: "120 photos uploaded" or "118 uploaded, 2 failed". A file is done when the server says
 * so: COMPLETED after processing, FAILED, or CANCELLED.
 */

export type BatchResult = { completed: number; failed: number; cancelled: number; duplicates: number };

/** A file's outcome as a batch counts it: its status, or DUPLICATE when the library already had it (nothing sent). */
export type BatchFileStatus = PhotoStatus | "DUPLICATE";

export class BatchTracker {
  /**
   * Each batch's files in the order tracked, and where the last look found a file not done yet:
   * the files before it were done then, so the next look starts there (files finish roughly in
   * order, and a walk from the start on every store flush grew with the batch, 10,000 files at
   * ten flushes a second). Only a walk over every file settles a batch, so a file that went back
   * (retried) after the mark is still seen.
   */
  readonly #batches: { ids: string[]; members: Set<string>; mark: number }[] = [];

  track(ids: Iterable<string>): void {
    const members = new Set(ids);
    if (members.size > 0) this.#batches.push({ ids: [...members], members, mark: 0 });
  }

  /** True if the file belongs to a batch still running. */
  has(id: string): boolean {
    return this.#batches.some((b) => b.members.has(id));
  }

  /** Batches whose every file is done, removed from tracking. A file no longer known counts as cancelled. */
  settle(statusOf: (id: string) => BatchFileStatus | undefined): BatchResult[] {
    const results: BatchResult[] = [];
    const done = (id: string) => {
      const status = statusOf(id);
      return status === undefined || status === "DUPLICATE" || isTerminalPhoto(status);
    };
    for (let i = this.#batches.length - 1; i >= 0; i--) {
      const batch = this.#batches[i]!;
      while (batch.mark < batch.ids.length && done(batch.ids[batch.mark]!)) batch.mark++;
      if (batch.mark < batch.ids.length) continue;
      // Every file after the mark was done: look at them all once more before saying so.
      const waiting = batch.ids.findIndex((id) => !done(id));
      if (waiting >= 0) {
        batch.mark = waiting;
        continue;
      }
      const result: BatchResult = { completed: 0, failed: 0, cancelled: 0, duplicates: 0 };
      for (const id of batch.ids) {
        const status = statusOf(id);
        if (status === "DUPLICATE") result.duplicates++;
        else if (status === "COMPLETED") result.completed++;
        else if (status === "FAILED") result.failed++;
        else result.cancelled++;
      }
      this.#batches.splice(i, 1);
      results.unshift(result);
    }
    return results;
  }

  clear(): void {
    this.#batches.length = 0;
  }
}

/**
 * The toast for a finished batch, or null when there is nothing to say (everything was cancelled).
 * Files the library already had are added after a "·": "12 uploaded · 3 already in your library".
 */
export function batchMessage(r: BatchResult): { kind: "success" | "warning" | "error"; title: string } | null {
  const message = uploadMessage(r);
  if (r.duplicates === 0) return message;
  const already = `${formatCount(r.duplicates)} already in your library`;
  if (!message) return { kind: "success", title: `${plural(r.duplicates, "photo")} already in your library` };
  const title = r.failed === 0 ? `${formatCount(r.completed)} uploaded` : message.title;
  return { kind: message.kind, title: `${title} · ${already}` };
}

function uploadMessage(r: BatchResult): { kind: "success" | "warning" | "error"; title: string } | null {
  if (r.completed === 0 && r.failed === 0) return null;
  if (r.failed === 0) return { kind: "success", title: `${plural(r.completed, "photo")} uploaded` };
  if (r.completed === 0) return { kind: "error", title: `${plural(r.failed, "photo")} failed` };
  return {
    kind: "warning",
    title: `${formatCount(r.completed)} uploaded, ${formatCount(r.failed)} failed`,
  };
}
