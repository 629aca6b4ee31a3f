import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServerProcess } from "@rapidphoto/server/testing";
import { CHROMIUM, CHROMIUM_FLAGS, INPUT_PICKER_ONLY } from "@rapidphoto/server/testing/chromium";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { ensureWebBuild } from "../../../scripts/build-web.mjs";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Screenshots for people to look at; .tmp/ is git-ignored. */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, ".tmp");

export interface RunningServer {
  /** Origin the server (API and web app) listens on, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The server's recent output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Builds apps/web/out if its sources changed (a no-op most of the time). */
export async function prepareWebBuild(): Promise<void> {
  await ensureWebBuild();
}

/** The real server as a child process, with a fresh DATA_DIR, once it is ready (see @rapidphoto/server/testing). */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServerProcess({ env: extraEnv, output: "keep" });
  return { url: server.url, logs: server.logs, stop: server.stop };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** The unfinished files the page keeps for after a reload (the engine's IndexedDB record), name and photo id. */
export function savedUploads(page: Page): Promise<{ name: string; photoId: string | null }[]> {
  return page.evaluate(
    () =>
      new Promise<{ name: string; photoId: string | null }[]>((resolve) => {
        const open = indexedDB.open("rapidphoto-uploads");
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("tabs")) return resolve([]);
          const all = db.transaction("tabs").objectStore("tabs").getAll();
          all.onsuccess = () => {
            const tabs = all.result as { files: { name: string; photoId: string | null }[] }[];
            resolve(tabs.flatMap((t) => t.files.map((f) => ({ name: f.name, photoId: f.photoId }))));
            db.close();
          };
        };
        open.onerror = () => resolve([]);
      }),
  );
}

export const PASSWORD = "correct horse battery";
const SESSION_KEY = "rapidphoto.session";
const VIEWPORT = { width: 1280, height: 800 };
/** playwright-core has no web-first assertions; this is how long a locator waits for its element. */
const ACTION_TIMEOUT_MS = 30_000;

export const uniqueEmail = (label: string) => `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

/**
 * What a browser test file shares: the real server (child process, fresh DATA_DIR), one Chromium,
 * a temp folder for the files it picks, and — with `pages` — a fresh context and page per test,
 * closed after it (with the server's output printed when the test failed). Filled in by hooks this
 * registers, so read it inside tests and hooks, never at import; a test may replace `page`.
 */
export type BrowserSuite = {
  server: RunningServer;
  browser: Browser;
  dir: string;
  context: BrowserContext;
  page: Page;
};

export function browserSuite(options: { env?: Record<string, string>; pages?: boolean; dirPrefix?: string } = {}) {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    await prepareWebBuild();
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    suite.dir = await mkdtemp(path.join(tmpdir(), options.dirPrefix ?? "rapidphoto-browser-test-"));
    suite.server = await startServer(options.env);
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
    if (suite.dir) await rm(suite.dir, { recursive: true, force: true });
  });
  if (options.pages) {
    beforeEach(async () => {
      suite.context = await newContext(suite);
      suite.page = await suite.context.newPage();
    });
    afterEach(async ({ task }) => {
      // A failure here is often the server's: show what it said.
      if (task.result?.state === "fail") console.log(`--- server output ---\n${suite.server.logs()}`);
      await suite.context?.close();
    });
  }
  return suite;
}

/**
 * A fresh browser context on the suite's server (1280 × 800 unless told). Its pages have no
 * `showOpenFilePicker`, so the Upload button opens the <input> whose `filechooser` the tests answer
 * (Playwright raises none for that picker); the picker path's own test installs a fake one.
 */
export async function newContext(
  suite: Pick<BrowserSuite, "browser" | "server">,
  viewport = VIEWPORT,
): Promise<BrowserContext> {
  const context = await suite.browser.newContext({ baseURL: suite.server.url, viewport });
  await context.addInitScript({ content: INPUT_PICKER_ONLY });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  return context;
}

/** Registers a new user through the real form; resolves on the empty library with the session's token. */
export async function signUpThroughUi(page: Page, label: string): Promise<string> {
  await page.goto("/register");
  await page.getByLabel("Email").fill(uniqueEmail(label));
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.getByTestId("empty-library").waitFor({ timeout: ACTION_TIMEOUT_MS });
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "{}").token as string, SESSION_KEY);
}

/** GET `url` on the suite's server as the holder of `token`; it must answer 200. */
export async function getJson<T>(server: RunningServer, token: string, url: string): Promise<T> {
  const response = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}
