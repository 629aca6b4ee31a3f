import type { UploadApi } from "@rapidphoto/uploader";

/**
 * The API client, counting the job creates in flight: `creating()` settles once every create
 * running now is answered (or failed), undefined when none runs (see LiveSync `jobsBeingCreated`).
 */
export function withCreatesTracked<A extends Pick<UploadApi, "createJob">>(
  api: A,
): A & { creating(): Promise<void> | undefined } {
  const running = new Set<Promise<unknown>>();
  return {
    ...api,
    createJob: (body, signal) => {
      const call = api.createJob(body, signal);
      const settled = call.then(
        () => {},
        () => {},
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return call;
    },
    creating: () => (running.size === 0 ? undefined : Promise.all(running).then(() => {})),
  };
}
