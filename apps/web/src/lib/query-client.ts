import { QueryCache, QueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { isApiError } from "./api/client";
import { signOut } from "./session/session-store";

/** Network blips and 5xx are worth a retry; a 4xx answer will not change by asking again. */
const MAX_RETRIES = 2;

export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      // Any query answered 401 means the token is no longer good: end the session in one place.
      // The route guard then sends the person to /login.
      onError(error) {
        if (!isApiError(error) || error.status !== 401) return;
        toast.info(error.message, { id: "session-ended" });
        signOut();
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (failureCount, error) =>
          failureCount < MAX_RETRIES && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}
