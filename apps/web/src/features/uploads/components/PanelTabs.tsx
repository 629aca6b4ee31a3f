"use client";

import * as Tabs from "@radix-ui/react-tabs";
import { memo } from "react";
import { formatCount } from "@/lib/format";
import { PANEL_TABS, type PanelTab, type RemoteRow, type TabCounts } from "../state/panel-rows";
import { setPanelTab } from "../state/upload-panel-store";
import { FailureReasonBox } from "./FailureReasonBox";
import { UploadQueue } from "./UploadQueue";

const TAB_LABELS: Record<PanelTab, string> = { all: "All", active: "Active", completed: "Completed", failed: "Failed" };

const selectTab = (value: string) => setPanelTab(value as PanelTab);

/**
 * The panel's tabs and the open tab's rows. Counts change with every file that changes state (a few
 * times a second while files finish), rows less often: the pieces are memoized so that a count
 * change renders the tab list and the one or two triggers whose count moved, and a change of rows
 * renders the list, never the other.
 */
export const PanelTabs = memo(function PanelTabs({
  tab,
  counts,
  ids,
  remote,
}: {
  tab: PanelTab;
  counts: TabCounts;
  ids: readonly string[];
  remote: ReadonlyMap<string, RemoteRow>;
}) {
  return (
    <Tabs.Root value={tab} onValueChange={selectTab} className="flex min-h-0 flex-1 flex-col">
      <TabList counts={counts} />
      <TabBody tab={tab} ids={ids} remote={remote} />
    </Tabs.Root>
  );
});

const TabList = memo(function TabList({ counts }: { counts: TabCounts }) {
  return (
    <Tabs.List aria-label="Filter uploads" className="flex shrink-0 gap-1 border-line border-b px-2">
      {PANEL_TABS.map((value) => (
        <TabTrigger key={value} value={value} count={counts[value]} />
      ))}
    </Tabs.List>
  );
});

/** One tab: renders again only when its own count changes (Radix's trigger is a dozen components deep). */
const TabTrigger = memo(function TabTrigger({ value, count }: { value: PanelTab; count: number }) {
  return (
    <Tabs.Trigger
      value={value}
      className="-mb-px flex h-10 items-center gap-1.5 border-transparent border-b-2 px-2.5 font-medium text-muted text-xs transition-colors hover:text-fg data-[state=active]:border-accent data-[state=active]:text-fg"
    >
      {TAB_LABELS[value]}{" "}
      <span
        data-testid={`upload-tab-count-${value}`}
        className="min-w-5 rounded-full bg-hover px-1.5 py-0.5 text-center text-[11px] text-muted tabular-nums"
      >
        {formatCount(count)}
      </span>
    </Tabs.Trigger>
  );
});

const TabBody = memo(function TabBody({
  tab,
  ids,
  remote,
}: {
  tab: PanelTab;
  ids: readonly string[];
  remote: ReadonlyMap<string, RemoteRow>;
}) {
  return (
    <Tabs.Content value={tab} className="flex min-h-0 flex-1 flex-col focus-visible:outline-none">
      <FailureReasonBox remote={remote} />
      <UploadQueue ids={ids} remote={remote} tab={tab} />
    </Tabs.Content>
  );
});
