"use client";

import { CloudUpload, Minus, X } from "lucide-react";
import { memo, type PointerEvent as ReactPointerEvent, useCallback, useRef } from "react";
import { useStore } from "zustand";
import { IconButton } from "@/components/ui/IconButton";
import { formatPercent } from "@/lib/format";
import { useAppearInTransition } from "../hooks/use-appear-in-transition";
import { type Position, useDraggable } from "../hooks/use-draggable";
import { usePanelRows } from "../hooks/use-panel-rows";
import { useConnectionState, useUploadSession } from "../hooks/use-upload-session";
import type { ConnectionState } from "../live/realtime-client";
import { summarize } from "../state/local-panel";
import { clearAll } from "../state/panel-actions";
import type { RemoteRow } from "../state/panel-rows";
import { setPanelMinimized, setPanelPosition, useUploadPanel } from "../state/upload-panel-store";
import type { UploadSession } from "../state/upload-session";
import { BatchSummary } from "./BatchSummary";
import { PanelActions } from "./PanelActions";
import { PanelTabs } from "./PanelTabs";

/*
 * Phones (< 768 px): the panel is a sheet across the bottom, above the page bar, at most 60 % of the
 * screen tall, and the pill sits above the bar's right end. `!` beats the dragged position's inline
 * style: there is no room to drag anything on a phone.
 */
const SHEET_ON_PHONE =
  "max-md:top-auto! max-md:right-0! max-md:bottom-14! max-md:left-0! max-md:w-full! max-md:max-h-[60dvh]! max-md:rounded-b-none";
const PILL_ON_PHONE = "max-md:top-auto! max-md:right-2! max-md:bottom-16! max-md:left-auto!";

/** One element for every render of the header: React skips an element it has seen. */
const HEADER_ICON = <CloudUpload aria-hidden="true" className="size-4 text-accent" />;

/**
 * The floating upload panel (plan §4): bottom-right, 400 px wide, draggable by its header,
 * minimizable to a pill, at most 600 px tall with the file list scrolling inside, never over the
 * header (its max-height leaves the header's 64 px and margins free). Shown whenever
 * there is at least one upload to show.
 */
export function UploadProgressPanel() {
  const session = useUploadSession();
  const tab = useUploadPanel((state) => state.tab);
  const minimized = useUploadPanel((state) => state.minimized);
  const position = useUploadPanel((state) => state.position);
  const rows = usePanelRows(session, tab);
  const shown = useAppearInTransition(rows.counts.all > 0);
  const ref = useRef<HTMLElement>(null);
  const commit = useCallback((p: Position) => setPanelPosition(p), []);
  const { onPointerDown } = useDraggable(ref, position, commit, shown ? minimized : null);

  if (!shown) return null;
  const placement = position ? { left: position.left, top: position.top } : { right: 24, bottom: 24 };

  if (minimized) {
    return (
      <aside ref={ref} aria-label="Uploads" className={`fixed z-40 ${PILL_ON_PHONE}`} style={placement}>
        <MinimizedPill session={session} active={rows.counts.active} />
      </aside>
    );
  }

  // This renders whenever a count or the rows change; what it hands down are numbers, flags and
  // pieces that keep their identity while equal, so each memoized part renders only for its own.
  return (
    <aside
      ref={ref}
      aria-label="Uploads"
      data-testid="upload-panel"
      className={`fixed z-40 flex max-h-[min(600px,calc(100dvh-96px))] w-[min(400px,calc(100vw-16px))] flex-col overflow-hidden rounded-xl border border-line bg-surface shadow-2xl shadow-black/60 ${SHEET_ON_PHONE}`}
      style={placement}
    >
      <PanelHeader
        session={session}
        remote={rows.remote}
        canClose={rows.counts.active === 0}
        onPointerDown={onPointerDown}
      />
      <BatchSummary session={session} remote={rows.remote} />
      <PanelActions
        session={session}
        anyActive={rows.counts.active > 0}
        anyCompleted={rows.counts.completed > 0}
        remote={rows.remote}
      />
      <PanelTabs tab={tab} counts={rows.counts} ids={rows.ids} remote={rows.remote} />
    </aside>
  );
}

const PanelHeader = memo(function PanelHeader({
  session,
  remote,
  canClose,
  onPointerDown,
}: {
  session: UploadSession;
  remote: ReadonlyMap<string, RemoteRow>;
  /** Nothing is running: the panel can be closed (which clears every row). */
  canClose: boolean;
  onPointerDown(event: ReactPointerEvent<HTMLElement>): void;
}) {
  const connection = useConnectionState();
  return (
    <header
      onPointerDown={onPointerDown}
      className="flex h-12 shrink-0 cursor-grab touch-none select-none items-center gap-2 border-line border-b bg-raised pr-2 pl-4 active:cursor-grabbing"
    >
      {HEADER_ICON}
      <h2 className="font-semibold text-fg text-sm">Uploads</h2>
      <ConnectionDot state={connection} />
      <div className="ml-auto flex items-center gap-0.5">
        <IconButton size="md" icon={Minus} label="Minimize uploads" onClick={() => setPanelMinimized(true)} />
        {canClose && (
          <IconButton size="md" icon={X} label="Close uploads" onClick={() => clearAll(session, remote.values())} />
        )}
      </div>
    </header>
  );
});

/** The minimized panel: an icon with a ring of overall progress; a click restores the panel. */
function MinimizedPill({ session, active }: { session: UploadSession; active: number }) {
  const hidden = useUploadPanel((state) => state.clearedRows);
  const percent = useStore(
    session.uploader.store,
    useCallback((state) => summarize(state, hidden).percent, [hidden]),
  );
  const label =
    active > 0 ? `Show uploads: ${active} in progress, ${formatPercent(percent)}` : "Show uploads: all done";
  // The ring: circumference of r=20 is 2πr ≈ 125.7.
  const circumference = 2 * Math.PI * 20;
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      data-testid="upload-pill"
      onClick={() => setPanelMinimized(false)}
      className="relative grid size-14 place-items-center rounded-full border border-line bg-raised text-accent shadow-black/60 shadow-xl transition-colors hover:bg-hover"
    >
      <svg aria-hidden="true" viewBox="0 0 48 48" className="-rotate-90 absolute inset-1">
        <circle cx="24" cy="24" r="20" fill="none" stroke="var(--color-line)" strokeWidth="3" />
        <circle
          cx="24"
          cy="24"
          r="20"
          fill="none"
          stroke={active > 0 ? "var(--color-accent)" : "var(--color-success)"}
          strokeWidth="3"
          strokeLinecap="round"
          strokeDasharray={circumference}
          strokeDashoffset={circumference * (1 - (active > 0 ? percent : 100) / 100)}
        />
      </svg>
      <CloudUpload aria-hidden="true" className="size-5" />
    </button>
  );
}

function ConnectionDot({ state }: { state: ConnectionState }) {
  const live = state === "connected";
  const text = live
    ? "Live"
    : state === "closed"
      ? "Offline"
      : state === "connecting"
        ? "Connecting…"
        : "Reconnecting…";
  const title = live
    ? "Status updates arrive live from the server."
    : "The live connection is down: checking the server every few seconds until it is back.";
  return (
    <span
      title={title}
      data-testid="connection-state"
      data-state={state}
      className="flex items-center gap-1.5 text-[11px] text-subtle"
    >
      <span
        aria-hidden="true"
        className={`size-1.5 rounded-full ${live ? "bg-success" : "animate-pulse bg-warning"}`}
      />
      {text}
    </span>
  );
}
