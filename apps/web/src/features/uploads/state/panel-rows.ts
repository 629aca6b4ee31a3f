import { isTerminalPhoto, type JobView, type PhotoStatus } from "@rapidphoto/protocol";

/**
 * What the upload panel lists: the tabs, and the rows of photos of jobs started elsewhere (server
 * state, keyed "r:" + photo id). This tab's files (engine state, keyed by the engine's file id)
 * are worked out in local-panel.ts.
 */

export const PANEL_TABS = ["all", "active", "completed", "failed"] as const;
export type PanelTab = (typeof PANEL_TABS)[number];
export type TabCounts = Record<PanelTab, number>;

export function inTab(tab: PanelTab, status: PhotoStatus): boolean {
  switch (tab) {
    case "all":
      return true;
    case "active": // not finished: waiting, sending or processing on the server
      return !isTerminalPhoto(status);
    case "completed":
      return status === "COMPLETED";
    case "failed":
      return status === "FAILED";
  }
}

export function emptyTabCounts(): TabCounts {
  return { all: 0, active: 0, completed: 0, failed: 0 };
}

export function countInto(counts: TabCounts, status: PhotoStatus): void {
  for (const tab of PANEL_TABS) if (inTab(tab, status)) counts[tab]++;
}

/** Attention first: unfinished rows (0), then failed ones (1), then the rest (2). */
export function attentionRank(status: PhotoStatus): 0 | 1 | 2 {
  return !isTerminalPhoto(status) ? 0 : status === "FAILED" ? 1 : 2;
}

export type RemoteRow = {
  key: string;
  jobId: string;
  photoId: string;
  status: PhotoStatus;
  /** No tab is sending it (the sender's lease lapsed): it needs its file picked again. */
  waitingForFile: boolean;
};

export const remoteRowKey = (photoId: string) => `r:${photoId}`;

/**
 * Photos of jobs started elsewhere (another tab, or this tab before a reload). A photo this tab is
 * sending itself (its client id is one of our files) is never listed twice.
 */
export function remoteRows(
  views: readonly JobView[],
  ownFileIds: ReadonlySet<string>,
  hidden: ReadonlySet<string>,
): RemoteRow[] {
  const rows: RemoteRow[] = [];
  for (const view of views) {
    for (const p of view.photos) {
      const key = remoteRowKey(p.photoId);
      if (hidden.has(key) || (p.clientId !== null && ownFileIds.has(p.clientId))) continue;
      const waitingForFile = p.waitingForFile === true;
      rows.push({ key, jobId: view.jobId, photoId: p.photoId, status: p.status, waitingForFile });
    }
  }
  return rows;
}
