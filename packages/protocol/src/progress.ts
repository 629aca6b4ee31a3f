import { isStored, type PhotoStatus } from "./statuses.js";

/**
 * Percent of `sent` out of `total`, as every bar and message shows it: one decimal, rounded down,
 * so 100 means exactly every byte (99.99 % of a 5 GiB file is not "done"); 0 for an empty total.
 */
export function percentOf(sent: number, total: number): number {
  if (total <= 0) return 0;
  if (sent >= total) return 100;
  return Math.max(0, Math.floor((sent / total) * 1000) / 10);
}

/** A photo's upload percent: its bytes while they are sent, 100 once they are all stored. */
export function photoPercent(photo: { status: PhotoStatus; bytesSent: number; bytesTotal: number }): number {
  return isStored(photo.status) ? 100 : percentOf(photo.bytesSent, photo.bytesTotal);
}
