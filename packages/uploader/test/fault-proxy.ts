import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fault-injecting HTTP proxy for storage URLs. It forwards to the real server and, by rule,
 * cuts connections mid-body, answers 500/503, stalls, pretends a URL expired, or throttles —
 * the network's bad days, on demand. Each request is logged with what happened to it.
 */

export type FaultAction =
  /** Forward, optionally throttled to `bytesPerSecond` (overrides the proxy-wide setting). */
  | { kind: "pass"; bytesPerSecond?: number }
  /** Forward, but cut both connections after this many body bytes (the server never stores the part). */
  | { kind: "drop"; afterBytes: number }
  /** Answer at once with this status, without forwarding. */
  | { kind: "status"; status: number; retryAfter?: string; body?: string }
  /** Forward this many bytes, then stop reading and never answer (the client's stall detection must act). */
  | { kind: "stall"; afterBytes: number }
  /** Answer as the disk storage does for an expired URL. */
  | { kind: "expire" }
  /** Forward once `until` settles; the body waits unread meanwhile (a request the test lets through when it says). */
  | { kind: "hold"; until: Promise<unknown> };

export type ProxiedRequest = {
  method: string;
  path: string;
  photoId: string | null;
  /** null for a single PUT. */
  partNumber: number | null;
  /** 1 for the first request to this photo/part, 2 for the next, … */
  attempt: number;
  /** The URL's signature: a re-signed URL has a new one. */
  signature: string | null;
};

export type LogEntry = ProxiedRequest & {
  action: FaultAction["kind"];
  status: number | null;
  /** Held silent: a stalled request at its byte limit, or a held one not let through yet. */
  held: boolean;
};

export type FaultProxy = {
  url: string;
  /** Decides what happens to each request; `pass` when unset. */
  rule: (request: ProxiedRequest) => FaultAction;
  /** Body bytes per second per connection; 0 = as fast as possible. */
  bytesPerSecond: number;
  /** Added before each answer is passed back: a round trip to a distant storage region. */
  latencyMs: number;
  log: LogEntry[];
  /** Most requests open at once so far (the engine's request limit, seen from the network). */
  peakConcurrent: number;
  /** Successful PUTs of a photo's parts (part number per success, in order). */
  storedParts(photoId: string): number[];
  close(): Promise<void>;
};

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const attempts = new Map<string, number>();
  const sockets = new Set<import("node:net").Socket>();

  const proxy: FaultProxy = {
    url: "",
    rule: () => ({ kind: "pass" }),
    bytesPerSecond: 0,
    latencyMs: 0,
    log: [],
    peakConcurrent: 0,
    storedParts: (photoId) =>
      proxy.log
        .filter((e) => e.photoId === photoId && e.method === "PUT" && e.status === 200)
        .map((e) => e.partNumber ?? 1),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  let open = 0;
  const server = http.createServer((req, res) => {
    open++;
    proxy.peakConcurrent = Math.max(proxy.peakConcurrent, open);
    res.on("close", () => open--);
    const url = new URL(req.url ?? "/", "http://proxy");
    // Storage keys are `u/<user>/<photo>/original` and `staging/<user>/<photo>`.
    const photoId = /\/(ph_[A-Za-z0-9]+)(?:\/|$)/.exec(url.pathname)?.[1] ?? null;
    const part = url.searchParams.get("partNumber");
    const partNumber = part ? Number(part) : null;
    const key = `${req.method} ${photoId} ${partNumber}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const request: ProxiedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      photoId,
      partNumber,
      attempt,
      signature: url.searchParams.get("signature"),
    };
    const action = proxy.rule(request);
    const entry: LogEntry = { ...request, action: action.kind, status: null, held: false };
    proxy.log.push(entry);

    if (action.kind === "status" || action.kind === "expire") {
      const status = action.kind === "expire" ? 403 : action.status;
      const body =
        action.kind === "expire"
          ? JSON.stringify({ code: "SIGNATURE_EXPIRED", message: "The signed URL has expired." })
          : (action.body ?? JSON.stringify({ code: "INJECTED", message: `Injected ${status}.` }));
      entry.status = status;
      const headers: Record<string, string> = { "content-type": "application/json", connection: "close" };
      if (action.kind === "status" && action.retryAfter) headers["retry-after"] = action.retryAfter;
      res.writeHead(status, headers).end(body);
      req.resume();
      return;
    }

    if (action.kind === "hold") {
      entry.held = true;
      const onward = () => {
        entry.held = false;
        forwardRequest();
      };
      void action.until.then(onward, onward);
    } else forwardRequest();

    function forwardRequest() {
      const forward = http.request({
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      });
      forward.on("response", async (answer) => {
        if (proxy.latencyMs > 0) await new Promise((r) => setTimeout(r, proxy.latencyMs));
        entry.status = answer.statusCode ?? null;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => {
        if (!res.headersSent) res.destroy();
      });
      res.on("close", () => {
        if (!res.writableFinished) forward.destroy();
      });

      const limit = action.kind === "drop" || action.kind === "stall" ? action.afterBytes : Number.POSITIVE_INFINITY;
      const rate = action.kind === "pass" ? (action.bytesPerSecond ?? proxy.bytesPerSecond) : proxy.bytesPerSecond;
      void pump(req, forward, limit, rate).then((reachedLimit) => {
        if (!reachedLimit) return forward.end();
        if (action.kind === "drop") {
          forward.destroy();
          req.socket.destroy();
        }
        // stall: keep both connections open and silent until the client gives up.
        entry.held = true;
      });
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/**
 * Copies the request body upstream, throttled, up to `limit` bytes. Resolves true if it stopped at
 * the limit (the client's connection is then left open and unread), false once the body ended.
 */
function pump(from: http.IncomingMessage, to: http.ClientRequest, limit: number, bytesPerSecond: number) {
  return new Promise<boolean>((resolve) => {
    let sent = 0;
    let done = false;
    // Chunks are handled one after another; "end" may come while the last one is still throttled.
    let chain = Promise.resolve();
    const finish = (atLimit: boolean) => {
      if (done) return;
      done = true;
      resolve(atLimit);
    };
    from.on("data", (chunk: Buffer) => {
      from.pause();
      chain = chain.then(async () => {
        if (done || to.destroyed) return;
        const piece = chunk.subarray(0, Math.max(0, limit - sent));
        if (bytesPerSecond > 0) await new Promise((r) => setTimeout(r, (piece.byteLength / bytesPerSecond) * 1000));
        if (to.destroyed) return;
        if (!to.write(piece)) await new Promise((r) => to.once("drain", r));
        sent += piece.byteLength;
        if (sent >= limit) finish(true);
        else from.resume();
      });
    });
    from.on("end", () => {
      chain = chain.then(() => finish(false));
    });
  });
}
