import { type PointerEvent as ReactPointerEvent, type RefObject, useCallback, useEffect } from "react";

export type Position = { left: number; top: number };

/** Space kept between a dragged panel and the window's edges. */
const EDGE_PX = 8;

export function clampToViewport(position: Position, width: number, height: number): Position {
  const maxLeft = Math.max(EDGE_PX, window.innerWidth - width - EDGE_PX);
  const maxTop = Math.max(EDGE_PX, window.innerHeight - height - EDGE_PX);
  return {
    left: Math.round(Math.min(Math.max(EDGE_PX, position.left), maxLeft)),
    top: Math.round(Math.min(Math.max(EDGE_PX, position.top), maxTop)),
  };
}

/**
 * Drags `ref` by a handle. While dragging, the element is moved directly (no React render per
 * pointer move); the final position is handed to `commit` on release. The element is kept inside
 * the window, also when the window or the element changes size later.
 */
export function useDraggable(
  ref: RefObject<HTMLElement | null>,
  position: Position | null,
  commit: (position: Position) => void,
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

  // Keep a dragged element inside the window when either changes size.
  useEffect(() => {
    const element = ref.current;
    if (!element || !position) return;
    const refit = () => {
      const rect = element.getBoundingClientRect();
      const next = clampToViewport(position, rect.width, rect.height);
      if (next.left !== position.left || next.top !== position.top) commit(next);
    };
    refit();
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    window.addEventListener("resize", refit);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", refit);
    };
  }, [ref, position, commit]);

  return { onPointerDown };
}
