import { partRange, type UploadItem } from "@rapidphoto/protocol";
import type { TestServer } from "../testing/index.js";

/** Sends one file's bytes to its signed URL(s) the way a browser does; returns the finalize body. */
export async function sendBytes(
  server: Pick<TestServer, "api">,
  token: string,
  item: UploadItem,
  bytes: Buffer,
  opts: { partConcurrency?: number } = {},
): Promise<Record<string, unknown>> {
  if (item.method === "PUT") {
    const res = await fetch(item.url as string, { method: "PUT", body: bytes, headers: item.headers });
    if (!res.ok) throw new Error(`PUT failed: ${res.status} ${await res.text()}`);
    return {};
  }
  const mp = item.multipart;
  if (!mp) throw new Error("multipart item without multipart plan");
  const numbers = Array.from({ length: mp.partCount }, (_, i) => i + 1);
  // The item's first parts come signed with it; the rest are asked for.
  const urls = new Map<number, string>(mp.signedParts?.map((u) => [u.partNumber, u.url]));
  const unsigned = numbers.filter((n) => !urls.has(n));
  if (unsigned.length > 0) {
    const signed = await server.api("POST", `/commands/upload/${item.photoId}/parts`, {
      token,
      body: { partNumbers: unsigned },
    });
    if (signed.status !== 200) throw new Error(`sign failed: ${signed.status} ${JSON.stringify(signed.body)}`);
    for (const u of signed.body.urls as { partNumber: number; url: string }[]) urls.set(u.partNumber, u.url);
  }
  const parts: { partNumber: number; etag: string }[] = [];
  const queue = [...numbers];
  await Promise.all(
    Array.from({ length: opts.partConcurrency ?? 4 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const { start, end } = partRange(bytes.length, mp.partSize, n);
        const res = await fetch(urls.get(n) as string, { method: "PUT", body: bytes.subarray(start, end) });
        if (!res.ok) throw new Error(`part ${n} failed: ${res.status} ${await res.text()}`);
        parts.push({ partNumber: n, etag: res.headers.get("etag") as string });
      }
    }),
  );
  return { uploadId: mp.uploadId, parts: parts.sort((a, b) => a.partNumber - b.partNumber) };
}

/** Uploads and finalizes; throws on any non-success. */
export async function uploadAndFinalize(
  server: Pick<TestServer, "api">,
  token: string,
  item: UploadItem,
  bytes: Buffer,
): Promise<void> {
  const body = await sendBytes(server, token, item, bytes);
  const res = await server.api("POST", `/commands/upload/${item.photoId}/finalize`, { token, body });
  if (res.status !== 202) throw new Error(`finalize failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Polls the job query until every photo is terminal (or the deadline passes). */
export async function waitForJob(
  server: Pick<TestServer, "api">,
  token: string,
  jobId: string,
  timeoutMs = 120_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await server.api("GET", `/queries/upload-jobs/${jobId}`, { token });
    const job = res.body;
    if (job.queuedCount + job.uploadingCount + job.processingCount === 0) return job;
    if (Date.now() > deadline)
      throw new Error(`job not finished in time: ${JSON.stringify({ ...job, photos: undefined })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
