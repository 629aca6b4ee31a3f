import http from "node:http";
import type { CreateJobResponse, UploadItem } from "@rapidphoto/protocol";
// The package root also exports the XHR transport, which needs the DOM lib this tsconfig leaves out.
import { createApiClient } from "../../packages/uploader/src/api-client.js";
import { createUploader } from "../../packages/uploader/src/engine.js";
import { createNodeTransport } from "../../packages/uploader/src/node/index.js";
import { bytesSource } from "../../packages/uploader/src/source.js";
import type { ChildServer } from "./uploader-server.js";

/** One timed upload of every file: wall time, and CPU of this (client) process and of the server. */
export type RunSample = { ms: number; clientCpuMs: number; serverCpuMs: number | null };

export type BenchFile = { name: string; bytes: Buffer };
export type Limits = { maxRequests: number; maxActiveFiles: number };

/** The engine as an app uses it: add everything, wait until idle (every file uploaded and finalized). */
export async function engineRun(server: ChildServer, files: BenchFile[], limits: Limits): Promise<RunSample> {
  const uploader = createUploader({
    api: createApiClient({ baseUrl: server.url, getToken: () => server.token }),
    transport: createNodeTransport(),
    limits,
  });
  try {
    const sample = await measure(server, async () => {
      uploader.add(files.map((f) => bytesSource(f.bytes, { name: f.name, type: "image/jpeg" })));
      await uploader.whenIdle();
    });
    const states = Object.values(uploader.store.getState().files);
    const notDone = states.filter((f) => f.status !== "PROCESSING");
    if (states.length !== files.length || notDone.length > 0) {
      throw new Error(`engine: ${notDone.length} files not finalized (${JSON.stringify(notDone[0]?.error)})`);
    }
    return sample;
  } finally {
    uploader.destroy();
  }
}

type Put = (item: UploadItem, bytes: Buffer) => Promise<void>;

/** The baseline's PUT: global `fetch` (undici), the body handed over whole. */
export const fetchPut: Put = async (item, bytes) => {
  const res = await fetch(item.url as string, { method: "PUT", headers: item.headers ?? {}, body: bytes });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`PUT: ${res.status}`);
};

/** The cheapest PUT Node has: node:http on the global keep-alive agent, the body in one write. */
export const httpPut: Put = (item, bytes) =>
  new Promise((resolve, reject) => {
    const headers = { ...item.headers, "content-length": String(bytes.byteLength) };
    const req = http.request(item.url as string, { method: "PUT", headers }, (res) => {
      res.resume();
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`PUT: ${status}`));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(bytes);
  });

/**
 * The same server work without the engine: one job for all files, PUTs of the same bytes with at
 * most `maxRequests` in flight, each file finalized as soon as its PUT is answered (finalize holds
 * no PUT slot, as in the engine). API calls use plain `fetch` and no response validation.
 */
export async function baselineRun(
  server: ChildServer,
  files: BenchFile[],
  maxRequests: number,
  put: Put,
): Promise<RunSample> {
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return measure(server, async () => {
    const job = await post<CreateJobResponse>("/commands/upload-jobs", {
      files: files.map((f) => ({ filename: f.name, mimeType: "image/jpeg", bytes: f.bytes.byteLength })),
    });
    const finalizes: Promise<unknown>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const i = next++;
        const item = job.items[i] as UploadItem;
        await put(item, (files[i] as BenchFile).bytes);
        finalizes.push(post(`/commands/upload/${item.photoId}/finalize`, {}));
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxRequests, files.length) }, worker));
    await Promise.all(finalizes);
  });
}

async function measure(server: ChildServer, work: () => Promise<void>): Promise<RunSample> {
  const serverBefore = await server.cpuMs();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await server.cpuMs();
  return {
    ms,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    serverCpuMs: serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore,
  };
}
