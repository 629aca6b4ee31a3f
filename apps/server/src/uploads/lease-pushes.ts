import type { JobEvent } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type PhotoRow, uploadJobs } from "../db/schema.js";
import { photoMessage } from "../photos/push-messages.js";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Pushes a change of photos' sender lease that a job view shows: the lapse of a lease (nobody sends
 * the photo: `waitingForFile: true`, lease-lapse.ts) or its revival (a tab holds it again,
 * upload-hold.ts). One status push per photo, each at the job's next `seq`, the `seq` written back.
 *
 * The caller holds the job row locked in `tx` since before it changed the photos, as every change
 * of a job's photos does (photo-transitions.ts): the `seq` read here is the latest, no other change
 * of the job can take the same one, and the pushes leave before any later change's.
 */
export async function pushLeaseChanges(
  tx: Tx,
  publish: (event: JobEvent) => Promise<void>,
  job: { id: string; userId: string; seq: number },
  changed: Pick<PhotoRow, "id" | "jobId" | "status" | "bytes" | "bytesSent" | "errorMessage">[],
  waitingForFile: boolean,
  now: Date,
): Promise<void> {
  if (changed.length === 0) return;
  let seq = job.seq;
  const events: JobEvent[] = changed.map((photo) => {
    const message = photoMessage(photo, ++seq, now);
    return { userId: job.userId, kind: "status", message: waitingForFile ? { ...message, waitingForFile } : message };
  });
  await tx.update(uploadJobs).set({ seq }).where(eq(uploadJobs.id, job.id));
  for (const event of events) await publish(event);
}
