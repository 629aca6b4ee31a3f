import { useMemo } from "react";
import { useStore } from "zustand";
import { useShallow } from "zustand/react/shallow";
import {
  countInto,
  inTab,
  localCounts,
  localRowIds,
  type PanelTab,
  type RemoteRow,
  remoteRows,
  type TabCounts,
} from "../state/panel-rows";
import { useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";
import { useForeignJobs, useJobViews } from "./use-upload-jobs";

export type PanelRows = {
  /** Row keys of `tab`, this tab's files first (in the order added), then other tabs' photos. */
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

  const local = useStore(
    store,
    useShallow((state) => localCounts(state, hidden)),
  );
  const localIds = useStore(
    store,
    useShallow((state) => localRowIds(state, hidden, tab)),
  );

  const counts = useMemo(() => {
    const all = { ...local };
    for (const row of remoteList) countInto(all, row.status);
    return all;
  }, [local, remoteList]);
  const ids = useMemo(
    () => [...localIds, ...remoteList.filter((row) => inTab(tab, row.status)).map((row) => row.key)],
    [localIds, remoteList, tab],
  );
  const remote = useMemo(() => new Map(remoteList.map((row) => [row.key, row])), [remoteList]);
  return { ids, counts, remote };
}
