"use client";

import { type ReactNode, useLayoutEffect, useRef, useState } from "react";

/** Rows kept rendered beyond each edge, so a fast scroll never shows blank space for a frame. */
const OVERSCAN_ROWS = 6;
/** Rendered before the first measurement, so the first paint already shows a screenful. */
const FIRST_PAINT_HEIGHT = 600;

/**
 * A scrolling list of fixed-height rows that renders only the rows in view (plus a few): a panel
 * with 1,000 uploads has ~20 rows in the DOM, each subscribed to its own file. Fixed heights make
 * every position a multiplication, so nothing is measured per row, and let each row be contained
 * (`contain: strict`): a row whose status or bar changes is styled, laid out and painted alone.
 */
export function VirtualList({
  count,
  rowHeight,
  rowKey,
  renderRow,
  label,
  className = "",
}: {
  count: number;
  rowHeight: number;
  rowKey(index: number): string;
  renderRow(index: number): ReactNode;
  label: string;
  className?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 0 });

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () =>
      setView((v) =>
        v.top === element.scrollTop && v.height === element.clientHeight
          ? v
          : { top: element.scrollTop, height: element.clientHeight },
      );
    measure();
    // Scroll events can outpace frames; one measurement per frame is all rendering can use.
    let frame = 0;
    const onScroll = () => {
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          measure();
        });
      }
    };
    const resize = new ResizeObserver(measure);
    resize.observe(element);
    element.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      element.removeEventListener("scroll", onScroll);
    };
  }, []);

  const height = view.height || FIRST_PAINT_HEIGHT;
  const first = Math.max(0, Math.floor(view.top / rowHeight) - OVERSCAN_ROWS);
  const last = Math.min(count, Math.ceil((view.top + height) / rowHeight) + OVERSCAN_ROWS);
  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <li
        key={rowKey(index)}
        aria-setsize={count}
        aria-posinset={index + 1}
        className="absolute inset-x-0 top-0 contain-strict"
        style={{ height: rowHeight, transform: `translateY(${index * rowHeight}px)` }}
      >
        {renderRow(index)}
      </li>,
    );
  }

  return (
    <div ref={ref} className={`overflow-y-auto overscroll-contain ${className}`}>
      <ul aria-label={label} className="relative" style={{ height: count * rowHeight }}>
        {rows}
      </ul>
    </div>
  );
}
