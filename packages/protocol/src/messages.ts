import { z } from "zod";
import { JobStatus, PhotoCounts, PhotoStatus } from "./statuses.js";

/** Push destinations (DESIGN §6). */
export const jobTopic = (jobId: string) => `/topic/job/${jobId}`;
export const USER_JOBS_QUEUE = "/user/queue/jobs";
export const JOB_TOPIC_PATTERN = /^\/topic\/job\/(job_[A-Za-z0-9]{8,40})$/;
/**
 * SUBSCRIBE header for USER_JOBS_QUEUE: with "true" the queue leaves out the messages of jobs the
 * same connection follows on their topic, which brings them already (a third of a page's frames
 * while it uploads). Without it the queue carries every job's lifecycle, as DESIGN §6 says.
 */
export const SKIP_FOLLOWED_JOBS_HEADER = "skip-followed-jobs";

/**
 * The `message` header of the STOMP ERROR frames that mean "this token no longer signs you in":
 * a client checks its session (and sends the person to sign in) rather than retrying the same token.
 */
export const STOMP_AUTH_ERRORS = {
  UNAUTHENTICATED: "Authentication failed",
  TOKEN_EXPIRED: "Token expired",
  SESSION_REVOKED: "Signed out everywhere",
} as const;

export const PhotoMessage = z.object({
  type: z.literal("photo"),
  jobId: z.string(),
  photoId: z.string(),
  status: PhotoStatus,
  progressPercent: z.number(),
  bytesSent: z.number(),
  bytesTotal: z.number(),
  errorMessage: z.string().optional(),
  /**
   * On the push that says the photo's sender lease lapsed: it still waits for its bytes and no
   * client is sending them (the tab was closed or reloaded), so the file must be picked again. Any
   * later push about the photo means someone is on it again.
   */
  waitingForFile: z.boolean().optional(),
  seq: z.number().int(),
  timestamp: z.string(),
});
export type PhotoMessage = z.infer<typeof PhotoMessage>;

export const JobMessage = z.object({
  type: z.literal("job"),
  jobId: z.string(),
  status: JobStatus,
  ...PhotoCounts.shape,
  seq: z.number().int(),
  timestamp: z.string(),
});
export type JobMessage = z.infer<typeof JobMessage>;

/** The one typed map of push messages: a new family is added here and the compiler finds every switch. */
export const PushMessage = z.discriminatedUnion("type", [PhotoMessage, JobMessage]);
export type PushMessage = z.infer<typeof PushMessage>;

/**
 * Most push messages one batch carries: a larger run goes out as several batches at once, so no one
 * frame makes the page parse a few hundred KB in one task.
 */
export const MAX_PUSH_BATCH = 100;

/**
 * Several push messages for one subscription in one MESSAGE frame: the server holds what a
 * destination gets for a short while and sends it together (README, "Realtime batches"). The events
 * are in the order they happened, each with its own `seq`. A job message is a snapshot of the job
 * (its status and counts), so of a job's job messages a batch carries only the last
 * (compactPushBody); photo messages are all there, in order.
 */
export const PushBatch = z
  .object({
    type: z.literal("batch"),
    events: z.array(PushMessage).min(1).max(MAX_PUSH_BATCH),
    /**
     * Per job whose earlier job messages the batch left out, on a destination that carries all of
     * the job's messages (its topic): the first `seq` of the job the batch stands for. Every change
     * of the job from there to its last event here is in the batch or in the job message that
     * superseded it, so the `seq`s skipped within are no gap: a holder compares this one, once per
     * batch, with what it holds (`seq` > held + 1 is a gap) and then takes the job's events as they come.
     */
    seqFrom: z.record(z.string(), z.number().int()).optional(),
  })
  // One event alone is sent as itself, unless the batch says where it starts.
  .refine((batch) => batch.events.length >= 2 || batch.seqFrom !== undefined, {
    message: "A batch holds two events or more, or says where it starts (seqFrom).",
  });
export type PushBatch = z.infer<typeof PushBatch>;

/** The body of a MESSAGE frame: one push message, or a batch of them. */
export const PushBody = z.discriminatedUnion("type", [PhotoMessage, JobMessage, PushBatch]);
export type PushBody = z.infer<typeof PushBody>;

/** The push messages a body carries, in order. */
export function pushEvents(body: PushBody): PushMessage[] {
  return body.type === "batch" ? body.events : [body];
}

/** Where a body starts, per job whose earlier job messages it left out (PushBatch `seqFrom`). */
export type SeqFrom = Readonly<Record<string, number>>;

/** The body the server sends for `events` (at least one, at most MAX_PUSH_BATCH): a lone event as itself. */
export function pushBody(events: readonly PushMessage[]): PushBody {
  const [first] = events;
  if (!first) throw new RangeError("a push body needs at least one event");
  return events.length === 1 ? first : { type: "batch", events: [...events] };
}

/**
 * Events on the server's bus: a push message plus who owns the job (for routing, never sent).
 * `progress` events may be coalesced (latest wins per photo); `status` events are delivered at once
 * and in order, after any progress for the same job still pending.
 */
export type JobEvent = { userId: string; kind: "status" | "progress"; message: PushMessage };
