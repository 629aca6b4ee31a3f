import type { TrashInfo } from "@rapidphoto/protocol";
import { useQuery } from "@tanstack/react-query";
import { useSession } from "@/lib/session/session-store";
import { fetchTrashInfo, libraryKeys } from "../api/library-api";

/** One formatter for the page's life: `toLocaleString` with options builds a new one on every call. */
const DAYS = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** A stable `select`: TanStack Query runs it when the data changes, not on every render of the page. */
const retentionText = (info: TrashInfo): string =>
  info.retentionDays === 1 ? "1 day" : `${DAYS.format(info.retentionDays)} days`;

/**
 * "Deleted forever after N days" in the server's own words: N is its TRASH_RETENTION_DAYS, fetched
 * once per session (it only changes with a server restart). Null until it is known. The library page
 * renders with every patch of its list while uploads complete, so the text is worked out once.
 */
export function useTrashRetentionText(): string | null {
  const token = useSession((state) => state.session?.token ?? null);
  const info = useQuery({
    queryKey: libraryKeys.trashInfo,
    queryFn: ({ signal }) => fetchTrashInfo(token as string, signal),
    enabled: token !== null,
    staleTime: Number.POSITIVE_INFINITY,
    select: retentionText,
  });
  return info.data ?? null;
}
