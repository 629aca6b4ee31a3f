"use client";

import { memo, useCallback } from "react";
import { VirtualList } from "@/components/ui/VirtualList";
import type { PanelTab, RemoteRow } from "../state/panel-rows";
import { RemoteUploadRow, ROW_HEIGHT, UploadRow } from "./UploadRow";

const EMPTY: Record<PanelTab, string> = {
  all: "No uploads.",
  active: "Nothing uploading right now.",
  completed: "No completed uploads yet.",
  failed: "No failed uploads.",
};

/**
 * The files of one tab of the panel in upload order, queued ones with their place in the queue
 * (plan §5). Virtualized: only rows in view exist, so hundreds of files cost a screenful of rows.
 */
export const UploadQueue = memo(function UploadQueue({
  ids,
  remote,
  tab,
}: {
  ids: readonly string[];
  remote: ReadonlyMap<string, RemoteRow>;
  tab: PanelTab;
}) {
  const rowKey = useCallback((index: number) => ids[index]!, [ids]);
  const renderRow = useCallback(
    (index: number) => {
      const key = ids[index]!;
      const row = remote.get(key);
      return row ? <RemoteUploadRow jobId={row.jobId} photoId={row.photoId} /> : <UploadRow id={key} />;
    },
    [ids, remote],
  );
  if (ids.length === 0) return <p className="px-4 py-10 text-center text-sm text-subtle">{EMPTY[tab]}</p>;
  return (
    <VirtualList
      count={ids.length}
      rowHeight={ROW_HEIGHT}
      rowKey={rowKey}
      renderRow={renderRow}
      label="Uploads"
      className="min-h-0 flex-1"
    />
  );
});
