import http from "node:http";
import https from "node:https";
import { MAX_ERROR_BODY_CHARS, NODE_CHUNK_BYTES } from "../constants.js";
import { NetworkError } from "../errors.js";
import { bodySize, type UploadBody } from "../source.js";
import type { PutRequest, PutResponse, UploadTransport } from "../transport.js";

export type NodeTransportOptions = {
  /** Connection pools; defaults to Node's global keep-alive agents. Concurrency is the engine's job. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
};

/**
 * Node transport on node:http. The body is written in 64 KiB chunks and progress is counted in
 * each chunk's write callback — bytes handed to the socket, the same thing XHR's upload progress
 * counts — so a 60 MB part reports progress all the way instead of one jump at the end.
 */
export function createNodeTransport(options: NodeTransportOptions = {}): UploadTransport {
  return {
    put: (request) => put(request, options),
  };
}

function put(request: PutRequest, options: NodeTransportOptions): Promise<PutResponse> {
  const { url, headers, body, signal, onProgress } = request;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const target = new URL(url);
    const lib = target.protocol === "https:" ? https : http;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const req = lib.request(target, {
      method: "PUT",
      headers: { ...headers, "content-length": String(bodySize(body)) },
      agent: target.protocol === "https:" ? options.httpsAgent : options.httpAgent,
    });
    const onAbort = () => {
      finish(() => reject(signal.reason));
      req.destroy();
    };
    signal.addEventListener("abort", onAbort, { once: true });

    let answered = false;
    req.on("response", (res) => {
      // Storage may answer early (403, 413) without reading the rest: stop sending, read the answer.
      answered = true;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (text.length < MAX_ERROR_BODY_CHARS) text += chunk;
      });
      res.on("end", () => {
        // A body left half-sent makes the socket unusable; drop it rather than return it to the pool.
        if (!req.writableFinished) req.destroy();
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            etag: header(res.headers.etag),
            retryAfter: header(res.headers["retry-after"]),
            body: text.slice(0, MAX_ERROR_BODY_CHARS),
          }),
        );
      });
      res.on("error", (error) => finish(() => reject(new NetworkError("The response was cut off.", { cause: error }))));
    });
    req.on("error", (error) => finish(() => reject(new NetworkError(error.message, { cause: error }))));

    writeBody(req, body, onProgress, () => answered).catch((error: unknown) => {
      // The request's own "error" or "response" event reports what matters; this only stops writing.
      if (!req.destroyed) req.destroy(error instanceof Error ? error : undefined);
    });
  });
}

async function writeBody(
  req: http.ClientRequest,
  body: UploadBody,
  onProgress: (n: number) => void,
  answered: () => boolean,
): Promise<void> {
  let sent = 0;
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      if (req.destroyed) return reject(new Error("request closed"));
      const size = chunk.byteLength;
      const more = req.write(chunk, (error) => {
        if (error) return;
        sent += size;
        onProgress(sent);
      });
      if (more) resolve();
      else {
        const onDrain = () => {
          req.off("close", onClose);
          resolve();
        };
        const onClose = () => {
          req.off("drain", onDrain);
          reject(new Error("request closed"));
        };
        req.once("drain", onDrain);
        req.once("close", onClose);
      }
    });

  for await (const chunk of chunks(body)) {
    for (let offset = 0; offset < chunk.byteLength; offset += NODE_CHUNK_BYTES) {
      if (answered()) return;
      await write(chunk.subarray(offset, offset + NODE_CHUNK_BYTES));
    }
  }
  req.end();
}

async function* chunks(body: UploadBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  // A Blob (fs.openAsBlob, new Blob(...)) is read lazily as a stream.
  for await (const chunk of body.stream() as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

function header(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
