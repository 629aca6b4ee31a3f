import { INPUT_PICKER_ONLY } from "@rapidphoto/server/testing/chromium";
import type { Page } from "playwright-core";
import { BARE_PAGE } from "./bare-page.js";

export type ContenderName = "ui" | "ui-nohash" | "ui-hashall" | "bare" | "bare-busy" | "uppy";

/** How the bench opens a contender's page and its file chooser. */
export type Contender = {
  name: ContenderName;
  /** Whether the page shows photos as COMPLETED (only our UI does); otherwise the server's word ends the window. */
  showsCompleted: boolean;
  open(page: Page, origin: string): Promise<void>;
  /** Clicks what opens the page's own file chooser. */
  pick(page: Page): Promise<void>;
};

const PAGE_TIMEOUT = { timeout: 60_000 };

/**
 * Serves a page the bench made on the server's origin (same origin as the API and the signed URLs,
 * so no CORS), then stops intercepting so nothing else the page loads goes through the bench.
 */
async function openBenchPage(page: Page, url: string, html: string): Promise<void> {
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: "text/html", body: html }));
  await page.goto(url);
  await page.unroute(url);
}

export const uiContender: Contender = {
  name: "ui",
  showsCompleted: true,
  async open(page, origin) {
    // The Upload button opens the <input>, as the bench always measured: Playwright cannot answer
    // showOpenFilePicker, which the app uses where Chromium has it (see INPUT_PICKER_ONLY).
    await page.addInitScript({ content: INPUT_PICKER_ONLY });
    await page.goto(`${origin}/`);
    await page.getByRole("button", { name: "Upload", exact: true }).waitFor(PAGE_TIMEOUT);
  },
  pick: (page) => page.getByRole("button", { name: "Upload", exact: true }).click(),
};

/** Our UI with one of the web app's localStorage switches set for this browser before it loads. */
function uiWithSwitch(name: ContenderName, key: string, value: string): Contender {
  return {
    name,
    showsCompleted: true,
    async open(page, origin) {
      await page.addInitScript({ content: `localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(value)});` });
      await uiContender.open(page, origin);
    },
    pick: uiContender.pick,
  };
}

/**
 * Our UI with content hashing turned off for this browser (the web app's `rapidphoto.hashing` switch):
 * what hashing costs is `ui` against this, interleaved in the same run.
 */
export const uiNoHashContender = uiWithSwitch("ui-nohash", "rapidphoto.hashing", "off");

/**
 * Our UI hashing every file, not only those that could be duplicates (the web app's
 * `rapidphoto.hashOnlyPossibleDuplicates` switch set off): what `ui` saves by asking the server's
 * sizes first, interleaved in the same run.
 */
export const uiHashAllContender = uiWithSwitch("ui-hashall", "rapidphoto.hashOnlyPossibleDuplicates", "off");

export const bareContender: Contender = {
  name: "bare",
  showsCompleted: false,
  open: (page, origin) => openBenchPage(page, `${origin}/__bench/bare`, BARE_PAGE),
  pick: (page) => page.locator("#pick").click(),
};

/**
 * The bare page with a worker spinning beside it: the browser's core kept busy by the page, as a
 * heavy UI keeps it, and nothing else different. The bench pins the whole browser to one core, its
 * network process included, so whatever the page spends there is taken from sending; against
 * `bare` in the same run this shows how much (the server's work per photo stays the same).
 */
export const bareBusyContender: Contender = {
  name: "bare-busy",
  showsCompleted: false,
  open: (page, origin) =>
    openBenchPage(
      page,
      `${origin}/__bench/bare`,
      BARE_PAGE.replace(
        "<script>",
        `<script>new Worker(URL.createObjectURL(new Blob(["for(;;){}"], { type: "text/javascript" })));</script><script>`,
      ),
    ),
  pick: (page) => page.locator("#pick").click(),
};

/** The Uppy page is built on demand (uppy-page.ts); null when its packages are not installed. */
export async function uppyContender(): Promise<Contender | null> {
  const { buildUppyPage } = await import("./uppy-page.js");
  const html = await buildUppyPage();
  if (!html) return null;
  return {
    name: "uppy",
    showsCompleted: false,
    open: async (page, origin) => {
      await openBenchPage(page, `${origin}/__bench/uppy`, html);
      await page.locator(".uppy-Dashboard-browse").waitFor(PAGE_TIMEOUT);
    },
    pick: (page) => page.locator(".uppy-Dashboard-browse").first().click(),
  };
}
