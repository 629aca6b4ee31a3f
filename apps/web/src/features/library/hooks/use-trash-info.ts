import { useQuery } from "@tanstack/react-query";
import { useSession } from "@/lib/session/session-store";
import { fetchTrashInfo, libraryKeys } from "../api/library-api";

/**
 * "Deleted forever after N days" in the server's own words: N is its TRASH_RETENTION_DAYS, fetched
 * once per session (it only changes with a server restart). Null until it is known.
 */
export function useTrashRetentionText(): string | null {
  const token = useSession((state) => state.session?.token ?? null);
  const info = useQuery({
    queryKey: libraryKeys.trashInfo,
    queryFn: ({ signal }) => fetchTrashInfo(token as string, signal),
    enabled: token !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (!info.data) return null;
  const days = info.data.retentionDays;
  return days === 1 ? "1 day" : `${days.toLocaleString("en-US", { maximumFractionDigits: 2 })} days`;
}
