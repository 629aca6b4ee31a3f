/** An EXIF date-time: `iso` for display, `instant` for sorting and `takenAt`. */
export type ExifDateTime = { iso: string; instant: Date };

// "2023:05:01 12:34:56", optionally with fractional seconds; some writers use "-" and "T".
const DATE_TIME = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const MIN_YEAR = 1800; // cameras with an unset clock write 0000:00:00, which is not a date
const MAX_OFFSET_MINUTES = 14 * 60; // UTC+14 is the furthest real zone

/**
 * Parses an EXIF date-time and its optional OffsetTime* companion.
 *
 * EXIF dates are wall-clock times with no zone. With an offset we know the exact instant; without
 * one we keep the wall clock and store it as if it were UTC, so a photo taken at 09:00 shows 09:00
 * wherever the server runs (exifr's own parser would use the server's time zone instead).
 * `iso` carries the offset only when it is known: "2023-05-01T12:34:56" or "2023-05-01T12:34:56+02:00".
 */
export function exifDateTime(value: unknown, offset: unknown): ExifDateTime | null {
  if (typeof value !== "string") return null;
  const m = DATE_TIME.exec(value.replace(/\0/g, "").trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < MIN_YEAR) return null;

  const wallClock = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2023-02-30 over into March; a round trip catches impossible dates and times.
  if (
    wallClock.getUTCFullYear() !== year ||
    wallClock.getUTCMonth() !== month - 1 ||
    wallClock.getUTCDate() !== day ||
    wallClock.getUTCHours() !== hour ||
    wallClock.getUTCMinutes() !== minute ||
    wallClock.getUTCSeconds() !== second
  ) {
    return null;
  }

  const local = wallClock.toISOString().slice(0, 19);
  const zone = parseOffset(offset);
  if (!zone) return { iso: local, instant: wallClock };
  return { iso: local + zone.text, instant: new Date(wallClock.getTime() - zone.minutes * 60_000) };
}

function parseOffset(offset: unknown): { text: string; minutes: number } | null {
  if (typeof offset !== "string") return null;
  const m = OFFSET.exec(offset.replace(/\0/g, "").trim());
  if (!m) return null;
  const minutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return Math.abs(minutes) <= MAX_OFFSET_MINUTES ? { text: m[0], minutes } : null;
}
