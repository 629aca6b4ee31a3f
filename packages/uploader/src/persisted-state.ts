import { JobId, PhotoId, PhotoStatus, UploadMethod } from "@rapidphoto/protocol";
import { z } from "zod";
import type { FileState } from "./store.js";

/**
 * What survives the page, per file: its fingerprint (name, size, lastModified, the content hash
 * once known), where it stands on the server (job, photo, upload id, stored parts) and what the
 * panel needs to show it. A tab's files are kept in chunks of up to PERSIST_CHUNK_FILES (one
 * `TabRecord` each, in the order the files were first kept), so a write rewrites only the chunks
 * whose files changed: a record of the whole selection cloned on every write cost a 10,000-file
 * selection its biggest main-thread tasks. A record without `tab` is one from before chunks: the
 * tab's only chunk. Bump STATE_VERSION whenever this shape changes meaning: an older record is
 * then dropped with a note rather than misread.
 */
export const STATE_VERSION = 1;

/** Statuses worth keeping: the file still has bytes to send. Anything else has left the engine's hands. */
const KEPT = new Set(["QUEUED", "UPLOADING"]);

export const PersistedFile = z.object({
  id: z.string().min(1),
  name: z.string(),
  type: z.string(),
  size: z.number().int().nonnegative(),
  lastModified: z.number(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  status: PhotoStatus,
  jobId: JobId.nullable(),
  photoId: PhotoId.nullable(),
  method: UploadMethod.nullable(),
  uploadId: z.string().nullable(),
  partCount: z.number().int().nonnegative(),
  storedParts: z.array(z.number().int().positive()),
  bytesSent: z.number().nonnegative(),
  priority: z.number(),
  addedAt: z.number(),
  /** A persistent file handle (Chromium's FileSystemFileHandle), kept as IndexedDB stores it. */
  handle: z.unknown().optional(),
});
export type PersistedFile = z.infer<typeof PersistedFile>;

/** Files per stored chunk: a few IndexedDB records per write, each a small clone. */
export const PERSIST_CHUNK_FILES = 200;

export const TabRecord = z.object({
  /** The record's key: `${tab}#${chunk}` (chunkKey), or the tab's key alone in a record from before chunks. */
  tabKey: z.string().min(1),
  /** The tab whose files these are (absent before chunks: then `tabKey`). */
  tab: z.string().min(1).optional(),
  /** The chunk's place among the tab's chunks (absent before chunks: 0). */
  chunk: z.number().int().nonnegative().optional(),
  userId: z.string().min(1),
  version: z.literal(STATE_VERSION),
  savedAt: z.number(),
  files: z.array(PersistedFile),
});
export type TabRecord = z.infer<typeof TabRecord>;

/** The key of one chunk of a tab's files. */
export function chunkKey(tab: string, chunk: number): string {
  return `${tab}#${chunk}`;
}

/** Whether a file is worth keeping across a reload: it still has bytes to send. */
export function isKept(file: FileState): boolean {
  return KEPT.has(file.status);
}

/** The stored form of a file (with a handle, when the page has one for it). */
export function toPersisted(file: FileState, handle?: unknown): PersistedFile {
  const persisted: PersistedFile = {
    id: file.id,
    name: file.name,
    type: file.type,
    size: file.bytesTotal,
    lastModified: file.lastModified,
    sha256: file.sha256,
    status: file.status,
    jobId: file.jobId,
    photoId: file.photoId,
    method: file.method,
    uploadId: file.uploadId,
    partCount: file.partCount,
    storedParts: [...file.storedParts],
    bytesSent: file.bytesSent,
    priority: file.priority,
    addedAt: file.addedAt,
  };
  if (handle !== undefined) persisted.handle = handle;
  return persisted;
}

/**
 * Parses one stored record; null (and a console note) when it is corrupt, from another version,
 * or someone else's. Never throws: a bad record must not stop the page.
 */
export function parseTabRecord(raw: unknown, userId: string): TabRecord | null {
  const parsed = TabRecord.safeParse(raw);
  if (!parsed.success) {
    const version = (raw as { version?: unknown } | null)?.version;
    const why = version !== STATE_VERSION ? `version ${String(version)}, expected ${STATE_VERSION}` : "corrupt";
    console.warn(`Upload state from an earlier page ignored (${why}).`);
    return null;
  }
  return parsed.data.userId === userId ? parsed.data : null;
}
