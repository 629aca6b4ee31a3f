import { useMemo, useRef } from "react";
import { useStore } from "zustand";
import { localCounts, localRowIds } from "../state/local-panel";
import {
  attentionRank,
  countInto,
  inTab,
  type PanelTab,
  type RemoteRow,
  remoteRows,
  type TabCounts,
} from "../state/panel-rows";
import { useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";
import { useForeignJobs, useJobViews } from "./use-upload-jobs";

export type PanelRows = {
  /** Row keys of `tab`, attention first (unfinished, failed, the rest), this tab's files before others' in each. */
  ids: string[];
  counts: TabCounts;
  /** Every row from elsewhere, by key. */
  remote: ReadonlyMap<string, RemoteRow>;
};

/**
 * The panel's rows and tab counts. Each piece is compared by value, so the list re-renders when
 * rows come, go or change tab, not on every progress frame.
 */
export function usePanelRows(session: UploadSession, tab: PanelTab): PanelRows {
  const store = session.uploader.store;
  const hidden = useUploadPanel((state) => state.clearedRows);
  const order = useStore(store, (state) => state.order);
  const ownIds = useMemo(() => new Set(order), [order]);
  const foreign = useForeignJobs(session);
  const foreignIds = useMemo(() => foreign.map((job) => job.jobId), [foreign]);
  const views = useJobViews(session, foreignIds);
  const remoteList = useMemo(() => remoteRows(views, ownIds, hidden), [views, ownIds, hidden]);

  // Worked out once per store state and kept while equal (local-panel.ts): compared by identity here.
  const local = useStore(store, (state) => localCounts(state, hidden));
  const localIds = useStore(store, (state) => localRowIds(state, hidden, tab));

  const counts = useMemo(() => {
    const all = { ...local };
    for (const row of remoteList) countInto(all, row.status);
    return all;
  }, [local, remoteList]);
  // Attention first across both sources: this tab's and others' unfinished rows, then failed ones, then the rest.
  const merged = useMemo(() => {
    const remoteByRank: string[][] = [[], [], []];
    for (const row of remoteList) if (inTab(tab, row.status)) remoteByRank[attentionRank(row.status)]!.push(row.key);
    const running = tab === "all" || tab === "active" ? local.active : 0;
    const failed = tab === "all" || tab === "failed" ? local.failed : 0;
    return [
      ...localIds.slice(0, running),
      ...remoteByRank[0]!,
      ...localIds.slice(running, running + failed),
      ...remoteByRank[1]!,
      ...localIds.slice(running + failed),
      ...remoteByRank[2]!,
    ];
  }, [localIds, local, remoteList, tab]);
  // A count can change while the rows stay (a file moving within its rank): keep the list then, so
  // the rows' list does not render again for it.
  const ids = useKeptWhileEqual(merged);
  const remote = useMemo(() => new Map(remoteList.map((row) => [row.key, row])), [remoteList]);
  return { ids, counts, remote };
}

/** `list`, or the one returned before when it holds the same ids in the same order. */
function useKeptWhileEqual(list: string[]): string[] {
  const kept = useRef(list);
  const before = kept.current;
  if (before !== list && (before.length !== list.length || before.some((id, i) => id !== list[i]))) kept.current = list;
  return kept.current;
}
