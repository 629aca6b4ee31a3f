import { isTerminalJob } from "@rapidphoto/protocol";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useStore } from "zustand";
import { fetchMe, meQueryKey } from "@/lib/api/auth";
import { API_URL } from "@/lib/config";
import { sessionStore } from "@/lib/session/session-store";
import { type ConnectionState, createRealtimeClient } from "../live/realtime-client";
import { activeLocalJobsKey } from "../state/local-panel";
import type { UploadSession } from "../state/upload-session";
import { useForeignJobs } from "./use-upload-jobs";

/**
 * The realtime connection while the library is open (DESIGN §6). Opens STOMP over SockJS to
 * `/ws`, follows `/user/queue/jobs` and `/topic/job/{jobId}` for every job with work still going
 * on (this tab's and other tabs'), and closes everything on unmount. What a push does is the live
 * sync's business (live/live-sync.ts): engine, TanStack Query cache, refetch on gaps, polling
 * while down.
 */
export function useLiveConnection(session: UploadSession): ConnectionState {
  const [state, setState] = useState<ConnectionState>("connecting");
  const queryClient = useQueryClient();

  useEffect(() => {
    const realtime = createRealtimeClient({
      url: `${API_URL}/ws`,
      getToken: () => sessionStore.getState().session?.token ?? null,
      // Ask the API whether the session still holds: a 401 there ends it and the route guard
      // sends the person to sign in (query-client.ts); otherwise the socket reconnects with the token.
      onAuthRejected: () => {
        const token = sessionStore.getState().session?.token;
        if (!token) return;
        queryClient
          .fetchQuery({ queryKey: meQueryKey(token), queryFn: ({ signal }) => fetchMe(token, signal), staleTime: 0 })
          .catch(() => {});
      },
    });
    session.live.connect(realtime);
    setState(realtime.state);
    const stop = realtime.onStateChange(setState);
    return () => {
      stop();
      session.live.disconnect();
      void realtime.close();
    };
  }, [session, queryClient]);

  const localJobs = useStore(session.uploader.store, activeLocalJobsKey);
  const foreign = useForeignJobs(session);
  const followed = useMemo(() => {
    const ids = new Set(localJobs ? localJobs.split(",") : []);
    for (const job of foreign) if (!isTerminalJob(job.status)) ids.add(job.jobId);
    return [...ids].sort().join(",");
  }, [localJobs, foreign]);

  useEffect(() => {
    session.live.track(followed ? followed.split(",") : []);
  }, [session, followed]);
  useEffect(() => () => session.live.track([]), [session]);

  return state;
}
