import type { JobEvent, JobStatus, PhotoStatus } from "@rapidphoto/protocol";
import { jobPush, photoPush } from "@rapidphoto/protocol/testing";
import type { BusEvent } from "../../src/events/job-event.js";

/** JobEvent builders for tests. Ids follow the protocol's shapes (`job_` + 8–40 alphanumerics). */

export function photoEvent(
  jobId: string,
  photoId: string,
  seq: number,
  options: {
    userId?: string;
    kind?: JobEvent["kind"];
    status?: PhotoStatus;
    bytesSent?: number;
    errorMessage?: string;
  } = {},
): JobEvent {
  const bytesTotal = 1000;
  const bytesSent = options.bytesSent ?? 0;
  return {
    userId: options.userId ?? "alice",
    kind: options.kind ?? "progress",
    message: photoPush({
      jobId,
      photoId,
      status: options.status ?? "UPLOADING",
      progressPercent: Math.round((bytesSent / bytesTotal) * 100),
      bytesSent,
      bytesTotal,
      ...(options.errorMessage === undefined ? {} : { errorMessage: options.errorMessage }),
      seq,
    }),
  };
}

export function jobEvent(jobId: string, seq: number, options: { userId?: string; status?: JobStatus } = {}): JobEvent {
  return {
    userId: options.userId ?? "alice",
    kind: "status",
    message: jobPush({ jobId, status: options.status ?? "IN_PROGRESS", totalCount: 2, uploadingCount: 2, seq }),
  };
}

/** A bus event's seq, or its kind for events that carry no job message (revocations). */
export const seqOf = (event: BusEvent): number | string => ("message" in event ? event.message.seq : event.kind);
