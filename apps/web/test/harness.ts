import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServerProcess } from "@rapidphoto/server/testing";
import { type Browser, chromium, type Page } from "playwright-core";
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
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
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
