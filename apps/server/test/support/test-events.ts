import type { JobEvent, JobStatus, PhotoStatus } from "@rapidphoto/protocol";
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
    message: {
      type: "photo",
      jobId,
      photoId,
      status: options.status ?? "UPLOADING",
      progressPercent: Math.round((bytesSent / bytesTotal) * 100),
      bytesSent,
      bytesTotal,
      ...(options.errorMessage === undefined ? {} : { errorMessage: options.errorMessage }),
      seq,
      timestamp: new Date(0).toISOString(),
    },
  };
}

export function jobEvent(jobId: string, seq: number, options: { userId?: string; status?: JobStatus } = {}): JobEvent {
  return {
    userId: options.userId ?? "alice",
    kind: "status",
    message: {
      type: "job",
      jobId,
      status: options.status ?? "IN_PROGRESS",
      totalCount: 2,
      queuedCount: 0,
      uploadingCount: 2,
      processingCount: 0,
      completedCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      seq,
      timestamp: new Date(0).toISOString(),
    },
  };
}

/** A bus event's seq, or its kind for events that carry no job message (revocations). */
export const seqOf = (event: BusEvent): number | string => ("message" in event ? event.message.seq : event.kind);
