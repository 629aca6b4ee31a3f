import { type PointerEvent as ReactPointerEvent, type RefObject, useCallback, useLayoutEffect } from "react";

export type Position = { left: number; top: number };

/** Space kept between a dragged panel and the window's edges (and the app's header). */
const EDGE_PX = 8;

/** Where the app header ends: floating things stay below it, off its search box and buttons. */
function headerBottom(): number {
  return document.querySelector("[data-app-header]")?.getBoundingClientRect().bottom ?? 0;
}

/** `position` moved into the window, below the header, for an element of this size. */
export function clampToViewport(position: Position, width: number, height: number): Position {
  const minTop = Math.max(0, headerBottom()) + EDGE_PX;
  const maxLeft = Math.max(EDGE_PX, window.innerWidth - width - EDGE_PX);
  const maxTop = Math.max(minTop, window.innerHeight - height - EDGE_PX);
  return {
    left: Math.round(Math.min(Math.max(EDGE_PX, position.left), maxLeft)),
    top: Math.round(Math.min(Math.max(minTop, position.top), maxTop)),
  };
}

/**
 * Drags `ref` by a handle. While dragging, the element is moved directly (no React render per
 * pointer move); the final position is handed to `commit` on release. The element is shown inside
 * the window and below the header whenever either changes size; the committed position stays what
 * the person chose, so a window that shrinks and grows again puts the element back where it was
 * (committing the squeezed position would leave it parked over the header after the window grew).
 */
export function useDraggable(
  ref: RefObject<HTMLElement | null>,
  position: Position | null,
  commit: (position: Position) => void,
  /** Changes whenever `ref` points at another element (the panel and its pill are two). */
  element?: unknown,
) {
  const onPointerDown = useCallback(
    (event: ReactPointerEvent<HTMLElement>) => {
      const element = ref.current;
      // Buttons in the handle keep working as buttons.
      if (!element || event.button !== 0 || (event.target as Element).closest("button")) return;
      event.preventDefault();
      const handle = event.currentTarget;
      const start = element.getBoundingClientRect();
      const [x0, y0] = [event.clientX, event.clientY];
      let last: Position = { left: start.left, top: start.top };
      handle.setPointerCapture(event.pointerId);
      const move = (e: PointerEvent) => {
        last = clampToViewport(
          { left: start.left + e.clientX - x0, top: start.top + e.clientY - y0 },
          start.width,
          start.height,
        );
        Object.assign(element.style, { left: `${last.left}px`, top: `${last.top}px`, right: "auto", bottom: "auto" });
      };
      const end = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", end);
        handle.removeEventListener("pointercancel", end);
        commit(last);
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", end);
      handle.addEventListener("pointercancel", end);
    },
    [ref, commit],
  );

  // Show the element inside the window whenever either changes size: styled directly, not committed.
  // Without a dragged position it sits in the bottom-right corner, where only its height can reach
  // the header: its max-height (in CSS) keeps it below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `element` says the ref now holds another element
  useLayoutEffect(() => {
    const node = ref.current;
    if (!node || !position) return;
    const refit = () => {
      const rect = node.getBoundingClientRect();
      const shown = clampToViewport(position, rect.width, rect.height);
      Object.assign(node.style, { left: `${shown.left}px`, top: `${shown.top}px`, right: "auto", bottom: "auto" });
    };
    refit();
    const observer = new ResizeObserver(refit);
    observer.observe(node);
    window.addEventListener("resize", refit);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", refit);
    };
  }, [ref, position, element]);

  return { onPointerDown };
}
