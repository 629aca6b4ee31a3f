import { startTransition, useEffect, useState } from "react";

/**
 * `wanted`, except that turning true takes effect in a transition: a part that mounts a few hundred
 * components when it appears (the upload panel: tabs, rows, summary) is then rendered by React in
 * slices that leave the main thread between them, instead of in the one task of the store write
 * that asked for it (a long task on a 2-core machine). It goes away at once. Starts as `wanted`, so
 * what shows on the page's first render shows at once.
 */
export function useAppearInTransition(wanted: boolean): boolean {
  const [appeared, setAppeared] = useState(wanted);
  useEffect(() => {
    if (wanted && !appeared) startTransition(() => setAppeared(true));
    else if (!wanted && appeared) setAppeared(false);
  }, [wanted, appeared]);
  return wanted && appeared;
}
