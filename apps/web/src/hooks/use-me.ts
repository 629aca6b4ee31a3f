import { useQuery } from "@tanstack/react-query";
import { fetchMe, meQueryKey } from "@/lib/api/auth";
import { useSession } from "@/lib/session/session-store";

/**
 * The signed-in user as the server sees them. Loading it is also how a stored token is
 * validated on start: a 401 ends the session (see query-client.ts).
 */
export function useMe() {
  const token = useSession((state) => state.session?.token ?? null);
  return useQuery({
    queryKey: meQueryKey(token),
    queryFn: ({ signal }) => fetchMe(token as string, signal),
    enabled: token !== null,
  });
}
