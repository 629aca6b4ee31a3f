import { JOB_TOPIC_PATTERN, USER_JOBS_QUEUE } from "@rapidphoto/protocol";

/** The destinations a client may subscribe to (DESIGN §6); anything else is refused. */
export type Destination =
  /** Every push about one job; only its owner may subscribe. */
  | { kind: "job"; name: string; jobId: string }
  /** The caller's own job lifecycle messages (`type: "job"`), for other tabs and devices. */
  | { kind: "user-jobs"; name: string };

export function parseDestination(name: string): Destination | null {
  if (name === USER_JOBS_QUEUE) return { kind: "user-jobs", name };
  const match = JOB_TOPIC_PATTERN.exec(name);
  if (match?.[1]) return { kind: "job", name, jobId: match[1] };
  return null;
}
