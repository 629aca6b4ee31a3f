import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CreateJobResponse } from "@rapidphoto/protocol";
import { originalKey, startTestServer, type TestServer } from "@rapidphoto/server/testing";
import {
  createApiClient,
  createUploader,
  type UploadApi,
  type Uploader,
  type UploaderOptions,
} from "../../src/index.js";
import { createNodeTransport, fileSource } from "../../src/node/index.js";
import { type FaultProxy, startFaultProxy } from "../fault-proxy.js";

/**
 * The real server (embedded defaults: PGlite, disk storage) on a free port, one signed-up user,
 * and a fault proxy in front of its storage URLs. `--role=web` unless `processing` is asked for:
 * the worker would only spend the test's two cores decoding random bytes; uploads end at
 * PROCESSING either way.
 */
export type Harness = {
  server: TestServer;
  proxy: FaultProxy;
  userId: string;
  api: UploadApi;
  /** Every createJob answer, to look up upload ids the engine keeps to itself. */
  jobs: CreateJobResponse[];
  uploader(options?: Partial<UploaderOptions>): Uploader;
  /** Writes a file of random bytes and returns its source and checksum. */
  randomFile(name: string, bytes: number): Promise<{ source: Awaited<ReturnType<typeof fileSource>>; sha256: string }>;
  storedSha256(photoId: string): Promise<string | null>;
  close(): Promise<void>;
};

export async function startHarness(
  options: { processing?: boolean; env?: Record<string, string> } = {},
): Promise<Harness> {
  const server = await startTestServer({
    argv: options.processing ? ["--role=all"] : ["--role=web"],
    env: options.env,
  });
  const { token, userId } = await server.register();
  const proxy = await startFaultProxy(server.url);
  const dir = await mkdtemp(path.join(tmpdir(), "uploader-files-"));
  const real = createApiClient({ baseUrl: server.url, getToken: () => token });
  const jobs: CreateJobResponse[] = [];
  const api: UploadApi = {
    ...real,
    createJob: async (body, signal) => {
      const res = await real.createJob(body, signal);
      jobs.push(res);
      return res;
    },
  };
  const uploaders: Uploader[] = [];
  return {
    server,
    proxy,
    userId,
    api,
    jobs,
    uploader(options = {}) {
      const uploader = createUploader({
        api,
        transport: createNodeTransport(),
        rewriteUrl: (url) => url.replace(server.url, proxy.url),
        // Fast retries: the faults are injected, not waited for. Stall detection keeps the
        // product's windows (30 s and up): server and client share this process, so a busy
        // machine can hold an answer for seconds, which is not the network stalling. Tests of
        // stalls pass a manual clock and move it themselves.
        retry: { baseDelayMs: 5, maxDelayMs: 50 },
        ...options,
      });
      uploaders.push(uploader);
      return uploader;
    },
    async randomFile(name, bytes) {
      const data = randomBytes(bytes);
      const file = path.join(dir, name);
      await writeFile(file, data);
      return { source: await fileSource(file), sha256: createHash("sha256").update(data).digest("hex") };
    },
    async storedSha256(photoId) {
      const storage = server.app.storage;
      const key = originalKey(userId, photoId);
      if (!(await storage.head(key))) return null;
      const hash = createHash("sha256");
      for await (const chunk of await storage.read(key)) hash.update(chunk as Buffer);
      return hash.digest("hex");
    },
    async close() {
      for (const u of uploaders) u.destroy();
      await proxy.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Records every store update and reports any byte count that went down. */
export function watchProgress(uploader: Uploader) {
  const last = new Map<string, number>();
  let lastOverall = 0;
  const drops: string[] = [];
  const seen = { maxSpeed: 0 };
  const unsubscribe = uploader.store.subscribe((state) => {
    seen.maxSpeed = Math.max(seen.maxSpeed, state.speed);
    let overall = 0;
    for (const f of Object.values(state.files)) {
      const before = last.get(f.id) ?? 0;
      if (f.bytesSent < before) drops.push(`${f.name}: ${before} → ${f.bytesSent}`);
      last.set(f.id, f.bytesSent);
      overall += f.bytesSent;
    }
    if (overall < lastOverall) drops.push(`overall: ${lastOverall} → ${overall}`);
    lastOverall = overall;
  });
  return { drops, seen, unsubscribe };
}

/** Resolves when `predicate` holds for the store's state (checked on every update). */
export function until(uploader: Uploader, predicate: (state: ReturnType<Uploader["store"]["getState"]>) => boolean) {
  return new Promise<void>((resolve) => {
    if (predicate(uploader.store.getState())) return resolve();
    const unsubscribe = uploader.store.subscribe((state) => {
      if (!predicate(state)) return;
      unsubscribe();
      resolve();
    });
  });
}
