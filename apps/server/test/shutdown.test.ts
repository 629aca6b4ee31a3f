import http from "node:http";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "../testing/index.js";

describe("graceful shutdown", () => {
  it("on SIGTERM lets an in-flight upload finish, then exits cleanly", async () => {
    const server = await startServerProcess({ env: { LOG_LEVEL: "silent" }, output: "ignore" });
    const { port, url: base, child, exited } = server;
    try {
      const post = (p: string, body: unknown, token?: string) =>
        fetch(`${base}${p}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<any>);
      const { token } = await server.register("s@example.com", "long enough");
      const size = 1_000_000;
      const job = await post(
        "/commands/upload-jobs",
        { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: size }] },
        token,
      );
      const url = new URL(job.items[0].url);

      // Start the PUT, send half the body, then ask the server to stop.
      const response = new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: "127.0.0.1",
            port,
            method: "PUT",
            path: url.pathname + url.search,
            headers: { "content-length": size, ...job.items[0].headers },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.write(Buffer.alloc(size / 2, 1));
        setTimeout(() => {
          child.kill("SIGTERM");
          setTimeout(() => req.end(Buffer.alloc(size / 2, 2)), 300);
        }, 200);
      });
      expect(await response).toBe(200); // the in-flight request finished
      expect(await exited).toBe(0);
      const refused = await fetch(`${base}/healthz`).then(
        () => "answered",
        () => "refused",
      );
      expect(refused).toBe("refused");
    } finally {
      await server.stop();
    }
  });
});
