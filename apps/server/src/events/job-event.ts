import { type JobEvent, PushMessage } from "@rapidphoto/protocol";
import { z } from "zod";

/** A JobEvent as it crosses a process boundary (Redis): validated on the way in, never trusted. */
export const JobEventSchema = z.object({
  userId: z.string().min(1),
  kind: z.enum(["status", "progress"]),
  message: PushMessage,
}) satisfies z.ZodType<JobEvent>;
