// The engine's modules, not the package index (which also holds the browser-only transport and database).
import { createApiClient } from "../../../packages/uploader/src/api-client.js";
import { inThreadHasher } from "../../../packages/uploader/src/content-hash.js";
import { createUploader } from "../../../packages/uploader/src/engine.js";
import { createNodeTransport, fileSource } from "../../../packages/uploader/src/node/index.js";
import type { BenchServer } from "./server-process.js";

/** Files the warm-up sends: enough to run every path once (a job, PUTs or parts, finalize, processing). */
const WARM_UP_FILES = 8;

/**
 * Runs a scenario's first files through a fresh server once, as a throwaway user, before any
 * contender is measured, and waits until the server has processed them. Without it, whoever went
 * first met a cold server (its first job creation, first inserts, first image processing: 0.6–1.5 s
 * on this machine for a 1,000-file job against ~0.1–0.2 s warm), and with one round that was always
 * our UI: its selection → first byte carried the server's start-up. Dedupe is per user, so the
 * contenders' fresh users still send every file.
 */
export async function warmUpServer(server: BenchServer, files: string[]): Promise<void> {
  const user = await server.register();
  const picked = files.slice(0, WARM_UP_FILES);
  const watch = await server.arm(user.userId, picked.length);
  const uploader = createUploader({
    api: createApiClient({ baseUrl: server.url, getToken: () => user.token }),
    transport: createNodeTransport(),
    hasher: inThreadHasher,
  });
  try {
    uploader.add(await Promise.all(picked.map((file) => fileSource(file))));
    await uploader.whenIdle();
    await watch.finished;
  } finally {
    uploader.destroy();
  }
}
