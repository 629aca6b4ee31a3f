import { type PointerEvent as ReactPointerEvent, type RefObject, useCallback, useLayoutEffect } from "react";

export type Position = { left: number; top: number };

/** Space kept between a dragged panel and the window's edges (and the app's header). */
const EDGE_PX = 8;

/** Where the app header ends: floating things stay below it, off its search box and buttons. */
function headerBottom(): number {
  return document.querySelector("[data-app-header]")?.getBoundingClientRect().bottom ?? 0;
}

/** `position` moved into the window, below the header (ending at `headerEnd`), for an element of this size. */
function clampToViewport(position: Position, width: number, height: number, headerEnd = headerBottom()): Position {
  const minTop = Math.max(0, headerEnd) + EDGE_PX;
  const maxLeft = Math.max(EDGE_PX, window.innerWidth - width - EDGE_PX);
  const maxTop = Math.max(minTop, window.innerHeight - height - EDGE_PX);
  return {
    left: Math.round(Math.min(Math.max(EDGE_PX, position.left), maxLeft)),
    top: Math.round(Math.min(Math.max(minTop, position.top), maxTop)),
  };
}

/** Shows `node` at `at`, whatever corner its CSS places it by. */
function place(node: HTMLElement, at: Position): void {
  Object.assign(node.style, { left: `${at.left}px`, top: `${at.top}px`, right: "auto", bottom: "auto" });
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
      // Read once: the header does not move during a drag, and reading its box on every move
      // (right after moving the element) would force a layout per pointer event.
      const headerEnd = headerBottom();
      handle.setPointerCapture(event.pointerId);
      const move = (e: PointerEvent) => {
        last = clampToViewport(
          { left: start.left + e.clientX - x0, top: start.top + e.clientY - y0 },
          start.width,
          start.height,
          headerEnd,
        );
        place(element, last);
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
      place(node, clampToViewport(position, rect.width, rect.height));
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
