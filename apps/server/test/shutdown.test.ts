import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "./helper.js";

const SERVER_DIR = path.resolve(import.meta.dirname, "..");

describe("graceful shutdown", () => {
  it("on SIGTERM lets an in-flight upload finish, then exits cleanly", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-shutdown-"));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, PUBLIC_URL: base, LOG_LEVEL: "silent" },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      for (let i = 0; ; i++) {
        const ok = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (i > 300) throw new Error("server did not start");
        await new Promise((r) => setTimeout(r, 100));
      }
      const post = (p: string, body: unknown, token?: string) =>
        fetch(`${base}${p}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<any>);
      const { token } = await post("/api/auth/register", { email: "s@example.com", password: "long enough" });
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
      child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
