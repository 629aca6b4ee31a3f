import { type JobEvent, PushMessage } from "@rapidphoto/protocol";
import { z } from "zod";

/**
 * A user's sessions were revoked ("sign out everywhere"): every instance closes that user's
 * sockets. Server-internal; it never reaches a browser as a push message.
 */
export type SessionsRevoked = { kind: "sessions-revoked"; userId: string };

/** Everything the event bus carries between instances. */
export type BusEvent = JobEvent | SessionsRevoked;

/** A JobEvent as it crosses a process boundary (Redis): validated on the way in, never trusted. */
export const JobEventSchema = z.object({
  userId: z.string().min(1),
  kind: z.enum(["status", "progress"]),
  message: PushMessage,
}) satisfies z.ZodType<JobEvent>;

export const BusEventSchema = z.union([
  JobEventSchema,
  z.object({ kind: z.literal("sessions-revoked"), userId: z.string().min(1) }),
]) satisfies z.ZodType<BusEvent>;
