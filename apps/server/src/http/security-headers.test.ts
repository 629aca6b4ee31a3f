import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";

const INLINE = "(self.__next_f=self.__next_f||[]).push([0])";
const sha = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("security headers", () => {
  let server: TestServer;
  let webDir: string;
  beforeAll(async () => {
    webDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-web-"));
    await writeFile(
      path.join(webDir, "index.html"),
      `<!DOCTYPE html><html><head><script src="/_next/a.js" async=""></script></head><body><script>${INLINE}</script></body></html>`,
    );
    server = await startTestServer({ env: { WEB_DIR: webDir } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it("sends a CSP that allows the export's inline scripts by hash, and no framing, sniffing or referrer", async () => {
    for (const url of ["/", "/api/auth/me", "/queries/photos"]) {
      const res = await fetch(`${server.url}${url}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, url).toContain(`script-src 'self' ${sha(INLINE)}`);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      // Photo bytes go to the signed URLs' origin (here the disk store under PUBLIC_URL).
      expect(csp, url).toMatch(new RegExp(`connect-src 'self' ${server.url}`));
      expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), url).toBe("no-referrer");
      expect(res.headers.get("x-frame-options"), url).toBe("DENY");
      expect(res.headers.get("strict-transport-security"), url).toBeNull();
    }
  });

  it("lets the API reference page bring its own CSP, which works over plain HTTP", async () => {
    const res = await fetch(`${server.url}/docs/static/index.html`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("frame-ancestors 'none'"); // its own, not the app's
    expect(csp).not.toContain("upgrade-insecure-requests");
  });
});
