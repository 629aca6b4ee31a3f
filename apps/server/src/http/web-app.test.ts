import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";

describe("web app serving", () => {
  let server: TestServer;
  let webDir: string;
  beforeAll(async () => {
    // A miniature export laid out the way Next 16 writes one: page.html beside a page/ data folder.
    webDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-web-"));
    await mkdir(path.join(webDir, "login"), { recursive: true });
    await mkdir(path.join(webDir, "_next/static/chunks"), { recursive: true });
    await writeFile(path.join(webDir, "index.html"), "<h1>home</h1>");
    await writeFile(path.join(webDir, "login.html"), "<h1>login</h1>");
    await writeFile(path.join(webDir, "login/__next._tree.txt"), "tree");
    await writeFile(path.join(webDir, "404.html"), "<h1>not here</h1>");
    await writeFile(path.join(webDir, "_next/static/chunks/app.js"), "console.log(1)");
    await writeFile(path.join(tmpdir(), "secret.html"), "outside");
    server = await startTestServer({ env: { WEB_DIR: webDir } });
  });
  afterAll(async () => {
    await server.close();
    await rm(webDir, { recursive: true, force: true });
  });

  const get = (p: string) => fetch(`${server.url}${p}`);

  it("serves pages at clean URLs even where a data folder of the same name exists", async () => {
    expect(await (await get("/")).text()).toBe("<h1>home</h1>");
    const login = await get("/login");
    expect(login.status).toBe(200);
    expect(login.headers.get("content-type")).toMatch(/text\/html/);
    expect(login.headers.get("cache-control")).toBe("no-cache");
    expect(await login.text()).toBe("<h1>login</h1>");
    expect(await (await get("/login/")).text()).toBe("<h1>login</h1>");
    expect(await (await get("/login/__next._tree.txt")).text()).toBe("tree");
  });

  it("caches hashed assets for good", async () => {
    const res = await get("/_next/static/chunks/app.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("answers unknown pages with the app's 404 page, unknown API paths with JSON, and never leaves the export", async () => {
    const page = await get("/no/such/page");
    expect(page.status).toBe(404);
    expect(await page.text()).toBe("<h1>not here</h1>");
    // Unknown non-API paths answer in the caller's language: JSON for a program asking for it.
    for (const accept of [
      "application/json",
      "application/json, text/plain;q=0.5",
      "text/html;q=0.5, application/json",
    ]) {
      const json = await fetch(`${server.url}/no/such/page`, { headers: { accept } });
      expect(json.status, accept).toBe(404);
      expect(json.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await json.json()).toEqual({ code: "ROUTE_NOT_FOUND", message: "There is no GET /no/such/page." });
    }
    const browser = await fetch(`${server.url}/no/such/page`, {
      headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
    });
    expect(browser.status).toBe(404);
    expect(await browser.text()).toBe("<h1>not here</h1>");
    const api = await get("/queries/nothing-here");
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: "ROUTE_NOT_FOUND" });
    for (const attempt of ["/../secret", "/%2e%2e/secret", "/..%2fsecret"]) {
      const res = await get(attempt);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("outside");
    }
  });
});
