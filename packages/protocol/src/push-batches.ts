import { type PushBody, type PushMessage, pushBody } from "./messages.js";

/**
 * The body for `events` (one destination's, in order) with each job's job messages but the last
 * left out: a job message is a snapshot of the job that the next one supersedes, and every photo
 * transition is followed by one, so they were half of all events. Photo messages all stay, in order.
 *
 * `wholeJobs`: the destination carries every message of its jobs (a job's topic), so the batch
 * can say where each shortened job starts (`seqFrom`) and a holder checks its gap once against
 * that. On a user's queue (job messages only) it cannot, and need not: the `seq`s of consecutive job
 * messages there are never adjacent anyway.
 */
export function compactPushBody(events: readonly PushMessage[], options: { wholeJobs: boolean }): PushBody {
  const lastJobMessage = new Map<string, PushMessage>();
  for (const event of events) if (event.type === "job") lastJobMessage.set(event.jobId, event);
  if (lastJobMessage.size === 0) return pushBody(events);

  const kept: PushMessage[] = [];
  const firstSeq = new Map<string, number>();
  const shortened = new Set<string>();
  for (const event of events) {
    const { jobId, seq } = event;
    firstSeq.set(jobId, Math.min(firstSeq.get(jobId) ?? seq, seq));
    if (event.type === "job" && lastJobMessage.get(jobId) !== event) {
      shortened.add(jobId);
      continue;
    }
    kept.push(event);
  }
  if (shortened.size === 0) return pushBody(events);
  if (!options.wholeJobs) return pushBody(kept);
  const seqFrom: Record<string, number> = {};
  for (const jobId of shortened) seqFrom[jobId] = firstSeq.get(jobId)!;
  return { type: "batch", events: kept, seqFrom };
}
