import { COUNT_FIELD, canTransition, deriveJobStatus, type JobEvent, type PhotoStatus } from "@rapidphoto/protocol";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type JobRow, type PhotoRow, photos, uploadJobs } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { countsOf, jobMessage, photoMessage } from "./push-messages.js";

export type PhotoPatch = Partial<
  Pick<
    PhotoRow,
    | "uploadId"
    | "mimeType"
    | "bytesSent"
    | "checksum"
    | "width"
    | "height"
    | "takenAt"
    | "exif"
    | "thumbSmallKey"
    | "thumbLargeKey"
    | "errorMessage"
    | "leaseOwner"
    | "leaseExpiresAt"
    | "attempts"
    | "nextAttemptAt"
    | "senderLeaseUntil"
  >
>;

export type Transition = {
  photoId: string;
  to: PhotoStatus;
  patch?: PhotoPatch;
  /** Only if the photo is still in one of these. */
  from?: readonly PhotoStatus[];
  /** Only if this holds of the photo's locked row too (the processing worker: its lease is still its own). */
  onlyIf?: (current: PhotoRow) => boolean;
};

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * The one place photo statuses change (DESIGN §5). In one transaction: lock the job, check every
 * transition against the protocol's table, update the photos, recount the job, derive its status,
 * bump its seq once per change, and publish the events while the job row is still locked, so the
 * bus carries every job's events in seq order even across instances.
 *
 * `onIllegal: "throw"` (commands) turns any illegal step into 409 and changes nothing;
 * `"skip"` (workers, bulk cancel) leaves those photos alone and returns their locked rows as `skipped`.
 * `publish` never rejects (pushes are best effort; clients reconcile through the job query).
 * `now` stamps `updatedAt` and the pushes (the upload commands pass their injected clock).
 *
 * Lock order: the job row, then its photos in id order. Every transaction that changes a job's
 * photos takes them in that order (the processing worker too), so none waits for another in a circle.
 */
export async function applyTransitions(
  tx: Tx,
  jobId: string,
  transitions: Transition[],
  opts: { onIllegal: "throw" | "skip"; publish: (event: JobEvent) => Promise<void>; now?: Date },
): Promise<{ job: JobRow; changed: PhotoRow[]; skipped: PhotoRow[]; events: JobEvent[] }> {
  const [job] = await tx.select().from(uploadJobs).where(eq(uploadJobs.id, jobId)).for("update");
  if (!job) throw new AppError("JOB_NOT_FOUND");
  if (transitions.length === 0) return { job, changed: [], skipped: [], events: [] };

  const ids = transitions.map((t) => t.photoId);
  const current = await tx
    .select()
    .from(photos)
    .where(and(eq(photos.jobId, jobId), inArray(photos.id, ids)))
    .orderBy(photos.id) // in id order, so two transactions locking overlapping photos never wait in a circle
    .for("update");
  const byId = new Map(current.map((p) => [p.id, p]));

  const counts = countsOf(job);
  let seq = job.seq;
  const now = opts.now ?? new Date();
  const changed: PhotoRow[] = [];
  const skipped: PhotoRow[] = [];
  const events: JobEvent[] = [];

  for (const t of transitions) {
    const photo = byId.get(t.photoId);
    if (!photo) throw new AppError("PHOTO_NOT_FOUND");
    const from = photo.status as PhotoStatus;
    const allowed = canTransition(from, t.to) && (!t.from || t.from.includes(from)) && (!t.onlyIf || t.onlyIf(photo));
    if (!allowed) {
      if (opts.onIllegal === "skip") {
        skipped.push(photo);
        continue;
      }
      throw new AppError("ILLEGAL_TRANSITION", `The photo is ${from} and cannot become ${t.to}.`, {
        photoId: photo.id,
        status: from,
      });
    }
    const [updated] = await tx
      .update(photos)
      .set({ ...t.patch, status: t.to, updatedAt: now })
      .where(eq(photos.id, photo.id))
      .returning();
    if (!updated) throw new AppError("PHOTO_NOT_FOUND");
    counts[COUNT_FIELD[from]] -= 1;
    counts[COUNT_FIELD[t.to]] += 1;
    seq += 1;
    changed.push(updated);
    events.push({ userId: job.userId, kind: "status", message: photoMessage(updated, seq, now) });
  }
  if (changed.length === 0) return { job, changed, skipped, events };

  seq += 1;
  const status = deriveJobStatus(counts);
  const [updatedJob] = await tx
    .update(uploadJobs)
    .set({ ...counts, status, seq, updatedAt: now })
    .where(eq(uploadJobs.id, jobId))
    .returning();
  if (!updatedJob) throw new AppError("JOB_NOT_FOUND");
  events.push({ userId: job.userId, kind: "status", message: jobMessage(updatedJob, now) });
  for (const event of events) await opts.publish(event);
  return { job: updatedJob, changed, skipped, events };
}
