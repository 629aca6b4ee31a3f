/** What the bench's server child (bench-server.ts) and the bench say to each other over IPC. */

/** What the server saw of one armed run, as epoch milliseconds (the bench's clock is the same). */
export type ServerSeen = {
  puts: number;
  firstPutAt?: number;
  lastPutEndAt?: number;
  /** The last photo reaching PROCESSING (bytes stored and finalized). */
  lastStoredAt?: number;
  /** The last photo reaching COMPLETED, FAILED or CANCELLED. */
  lastFinishedAt?: number;
  completed: number;
  failed: number;
  /** JSON API requests (/commands, /queries) the page made in the window, and how many were progress reports. */
  apiRequests: number;
  progressReports: number;
  /** The same requests by path (ids replaced by ":id"), and the storage GETs (thumbnails) as "GET /storage/*". */
  apiByPath: Record<string, number>;
  /** Server CPU time (ms) of its main thread and its other threads, from arming to all stored, and from then to all finished. */
  cpuToStored?: { mainMs: number; otherMs: number };
  cpuAfterStored?: { mainMs: number; otherMs: number };
  /** Photos already COMPLETED when the last was stored (the processing done inside the upload window). */
  completedAtStored?: number;
};

export type ParentMessage = { type: "arm"; userId: string; count: number } | { type: "disarm" };

export type ChildMessage =
  | { type: "armed" }
  /** The first storage PUT of the armed run arrived (first-byte.ts stops there). */
  | { type: "firstPut"; at: number }
  | { type: "stored"; seen: ServerSeen }
  | { type: "finished"; seen: ServerSeen };
