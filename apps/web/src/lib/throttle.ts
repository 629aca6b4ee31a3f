/**
 * Runs `fn` at most once per `ms`, at the end of the window, however often it is asked to: the
 * last request is never lost. Used for refreshes that a burst of pushes would otherwise repeat.
 */
export function throttleTrailing(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  run.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return run;
}
