"use client";

import * as Tabs from "@radix-ui/react-tabs";
import { createContext, memo, useContext, useMemo } from "react";
import { formatCount } from "@/lib/format";
import { PANEL_TABS, type PanelTab, type RemoteRow, type TabCounts } from "../state/panel-rows";
import { setPanelTab } from "../state/upload-panel-store";
import { FailureReasonBox } from "./FailureReasonBox";
import { UploadQueue } from "./UploadQueue";

const TAB_LABELS: Record<PanelTab, string> = { all: "All", active: "Active", completed: "Completed", failed: "Failed" };

const selectTab = (value: string) => setPanelTab(value as PanelTab);

/**
 * The tab counts, for the count badges alone: a badge reads its count here, so a count change
 * renders four small spans and never Radix's triggers around them (a dozen components each; at
 * 1,000 files the counts move with every file that finishes).
 */
const CountsContext = createContext<TabCounts | null>(null);

/** The open tab's rows, for the list alone (as the counts: Radix's tab content stays out of it). */
const RowsContext = createContext<{ ids: readonly string[]; remote: ReadonlyMap<string, RemoteRow> } | null>(null);

/**
 * The panel's tabs and the open tab's rows. Counts change with every file that changes state (a few
 * times a second while files finish), rows less often. Both reach their readers through context,
 * below Radix's tabs, which render only when the open tab changes: a count change renders the
 * count badges, a change of rows renders the list, never the other and never the tabs around them.
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
  const rows = useMemo(() => ({ ids, remote }), [ids, remote]);
  return (
    <CountsContext.Provider value={counts}>
      <RowsContext.Provider value={rows}>
        <TabsFrame tab={tab} />
      </RowsContext.Provider>
    </CountsContext.Provider>
  );
});

const TabsFrame = memo(function TabsFrame({ tab }: { tab: PanelTab }) {
  return (
    <Tabs.Root value={tab} onValueChange={selectTab} className="flex min-h-0 flex-1 flex-col">
      <TabList />
      <Tabs.Content value={tab} className="flex min-h-0 flex-1 flex-col focus-visible:outline-none">
        <TabRows tab={tab} />
      </Tabs.Content>
    </Tabs.Root>
  );
});

function TabRows({ tab }: { tab: PanelTab }) {
  const rows = useContext(RowsContext);
  if (!rows) return null;
  return (
    <>
      <FailureReasonBox remote={rows.remote} />
      <UploadQueue ids={rows.ids} remote={rows.remote} tab={tab} />
    </>
  );
}

/** Takes no props: it renders once (and when the open tab changes, through Radix's own context). */
const TabList = memo(function TabList() {
  return (
    <Tabs.List aria-label="Filter uploads" className="flex shrink-0 gap-1 border-line border-b px-2">
      {PANEL_TABS.map((value) => (
        <TabTrigger key={value} value={value} />
      ))}
    </Tabs.List>
  );
});

const TabTrigger = memo(function TabTrigger({ value }: { value: PanelTab }) {
  return (
    <Tabs.Trigger
      value={value}
      className="-mb-px flex h-10 items-center gap-1.5 border-transparent border-b-2 px-2.5 font-medium text-muted text-xs transition-colors hover:text-fg data-[state=active]:border-accent data-[state=active]:text-fg"
    >
      {TAB_LABELS[value]} <TabCount value={value} />
    </Tabs.Trigger>
  );
});

/** One tab's count: renders again when the counts change, and is memoized on its own number below. */
function TabCount({ value }: { value: PanelTab }) {
  const count = useContext(CountsContext)?.[value] ?? 0;
  return <CountBadge value={value} count={count} />;
}

const CountBadge = memo(function CountBadge({ value, count }: { value: PanelTab; count: number }) {
  return (
    <span
      data-testid={`upload-tab-count-${value}`}
      className="min-w-5 rounded-full bg-hover px-1.5 py-0.5 text-center text-[11px] text-muted tabular-nums"
    >
      {formatCount(count)}
    </span>
  );
});
