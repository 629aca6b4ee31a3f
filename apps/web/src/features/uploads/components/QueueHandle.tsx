"use client";

import { GripVertical } from "lucide-react";
import type { KeyboardEvent, PointerEvent as ReactPointerEvent } from "react";
import { useUploadSession } from "../hooks/use-upload-session";

/** One element for every handle: React skips the icon (lucide's icons do real work per render). */
const GRIP_ICON = <GripVertical aria-hidden="true" className="size-4" />;

/** Marks the row a dragged file would take the place of. */
const DROP_ATTR = "data-drop-target";

/** Focuses a file's handle once its row has been drawn at its new place. */
function refocus(id: string) {
  requestAnimationFrame(() =>
    document.querySelector<HTMLElement>(`[data-reorder="${CSS.escape(id)}"]`)?.focus({ preventScroll: false }),
  );
}

/**
 * The grip of a waiting file (plan §5.1): drag it onto another waiting row to take that row's place,
 * or focus it and press ↑/↓ (Alt+↑/↓ works too) to move one place. Either changes the engine's
 * waiting order, so it changes which file is sent next.
 */
export function QueueHandle({ id, name, position }: { id: string; name: string; position: number }) {
  const session = useUploadSession();
  const move = (to: number) => {
    session.uploader.move(id, to);
    refocus(id);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    event.preventDefault();
    // `position` is 1-based; move() takes the 0-based index among the waiting files.
    if (event.key === "ArrowUp" && position > 1) move(position - 2);
    if (event.key === "ArrowDown") move(position);
  };

  const onPointerDown = (event: ReactPointerEvent<HTMLButtonElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const handle = event.currentTarget;
    handle.setPointerCapture(event.pointerId);
    const row = handle.closest<HTMLElement>("[data-testid=upload-row]");
    row?.setAttribute("data-dragging", "true");
    let target: HTMLElement | null = null;
    const mark = (next: HTMLElement | null) => {
      if (next === target) return;
      target?.removeAttribute(DROP_ATTR);
      target = next;
      target?.setAttribute(DROP_ATTR, "true");
    };
    const onMove = (e: PointerEvent) => {
      const over = document.elementFromPoint(e.clientX, e.clientY)?.closest<HTMLElement>("[data-queue-position]");
      mark(over && over !== row ? over : null);
    };
    const end = (e: PointerEvent) => {
      handle.removeEventListener("pointermove", onMove);
      handle.removeEventListener("pointerup", end);
      handle.removeEventListener("pointercancel", end);
      row?.removeAttribute("data-dragging");
      const to = e.type === "pointerup" ? Number(target?.dataset.queuePosition) : Number.NaN;
      mark(null);
      if (Number.isInteger(to) && to > 0 && to !== position) move(to - 1);
    };
    handle.addEventListener("pointermove", onMove);
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
  };

  return (
    <button
      type="button"
      data-reorder={id}
      aria-label={`Reorder ${name}: #${position} in queue`}
      aria-keyshortcuts="ArrowUp ArrowDown Alt+ArrowUp Alt+ArrowDown"
      title="Drag, or press ↑/↓, to change when this file is sent"
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
      className="-ml-1.5 grid size-7 shrink-0 cursor-grab touch-none place-items-center rounded-md text-subtle hover:bg-hover hover:text-fg active:cursor-grabbing"
    >
      {GRIP_ICON}
    </button>
  );
}
