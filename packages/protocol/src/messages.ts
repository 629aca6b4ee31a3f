import { z } from "zod";
import { JobStatus, PhotoCounts, PhotoStatus } from "./statuses.js";

/** Push destinations (DESIGN §6). */
export const jobTopic = (jobId: string) => `/topic/job/${jobId}`;
export const USER_JOBS_QUEUE = "/user/queue/jobs";
export const JOB_TOPIC_PATTERN = /^\/topic\/job\/(job_[A-Za-z0-9]{8,40})$/;

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
 * Events on the server's bus: a push message plus who owns the job (for routing, never sent).
 * `progress` events may be coalesced (latest wins per photo); `status` events are delivered at once
 * and in order, after any progress for the same job still pending.
 */
export type JobEvent = { userId: string; kind: "status" | "progress"; message: PushMessage };
