import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, newContext, savedUploads, signUpThroughUi } from "./harness";
import { expectAllStoredOnce, holdUploadsAfter } from "./stored-once";

/**
 * A selection added in slices (the engine records the first files in the picking task and the rest
 * in later tasks). The slices are made small here (`rapidphoto.addSlices`: 3 at once, then 4 per
 * task) so a cheap selection of 30 small photos takes several: every photo must reach COMPLETED as
 * one batch, and the panel must say how many were picked from its first frame on, never a count
 * that climbs while the slices come in. Hashing is off for this browser, so the first job is made
 * of the first slice (with hashing it holds the first file hashed): that the first job holds 3
 * files shows the selection was sliced.
 */

const COUNT = 30;
const WAIT = { timeout: 30_000 };
const LONG = { timeout: 180_000, interval: 250 };

let page: Page;
let files: string[];

const suite = browserSuite({ dirPrefix: "rapidphoto-sliced-add-test-" });
beforeAll(async () => {
  files = [];
  for (let i = 0; i < COUNT; i++) {
    const file = path.join(suite.dir, `sliced-${String(i).padStart(2, "0")}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 160, height: 120, targetBytes: 8_000 + i * 50 }));
    files.push(file);
  }
});

/**
 * Records every value the "All" tab count and the headline showed, as the page drew them (a
 * MutationObserver installed before load), so the test sees counts that were shown for a moment only.
 */
const RECORD_SHOWN = `
  localStorage.setItem("rapidphoto.addSlices", JSON.stringify({ first: 3, files: 4 }));
  localStorage.setItem("rapidphoto.hashing", "off");
  window.__shown = { all: [], headline: [] };
  const look = () => {
    for (const [key, id] of [["all", "upload-tab-count-all"], ["headline", "upload-headline"]]) {
      const text = document.querySelector('[data-testid="' + id + '"]')?.textContent?.trim();
      const seen = window.__shown[key];
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
`;

const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim();

describe("a selection added in slices", () => {
  it("is one batch counted in full from the first frame, and every photo is COMPLETED", async () => {
    const context = await newContext(suite);
    await context.addInitScript({ content: RECORD_SHOWN });
    page = await context.newPage();
    try {
      await signUpThroughUi(page, "sliced");
      const jobSizes: number[] = [];
      page.on("request", (request) => {
        if (request.method() === "POST" && request.url().endsWith("/commands/upload-jobs")) {
          jobSizes.push((request.postDataJSON() as { files: unknown[] }).files.length);
        }
      });
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Upload", exact: true }).first().click();
      await (await chooser).setFiles(files);
      await page.getByTestId("upload-panel").waitFor(WAIT);
      await expect.poll(() => text("upload-tab-count-completed"), LONG).toBe(String(COUNT));
      expect(await text("upload-tab-count-failed")).toBe("0");

      // One batch: one summary over all 30, one status (no "+N earlier"), one toast.
      expect(await text("upload-headline")).toBe(`All ${COUNT} uploaded`);
      await expect.poll(() => text("job-status"), WAIT).toBe("Completed");
      await page.locator("[data-sonner-toast]").getByText(`${COUNT} photos uploaded`, { exact: true }).waitFor(WAIT);
      expect(await page.locator("[data-sonner-toast]").count()).toBe(1);

      // From the panel's first frame on, "All" said 30 and the headline counted 30 uploading:
      // the files still being added were counted before they were in.
      const shown = (await page.evaluate(() => (window as unknown as { __shown: unknown }).__shown)) as {
        all: string[];
        headline: string[];
      };
      expect(shown.all).toEqual([String(COUNT)]);
      expect(shown.headline.find((h) => h.includes("uploading"))).toMatch(new RegExp(`^${COUNT} uploading`));
      // Sliced: the first job is the first slice; every file was registered once.
      expect(jobSizes[0]).toBe(3);
      expect(jobSizes.reduce((a, b) => a + b, 0)).toBe(COUNT);
    } finally {
      await context.close();
    }
  });

  it("a reload while the selection is still being added keeps every file of it for later", async () => {
    const context = await newContext(suite);
    await context.addInitScript({ content: HOLD_LATER_SLICES });
    page = await context.newPage();
    try {
      const token = await signUpThroughUi(page, "sliced-reload");
      // Nothing is stored before the reload, so every file must be in the saved record after it.
      await holdUploadsAfter(0, page);
      await page.evaluate(() => {
        (window as unknown as { __holdSlices: boolean }).__holdSlices = true;
      });
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Upload", exact: true }).first().click();
      await (await chooser).setFiles(files);
      // Mid-add, as a condition: the first slice is recorded and saved, the next one is waiting.
      await expect
        .poll(() => page.evaluate(() => (window as unknown as { __heldSlices: unknown[] }).__heldSlices.length), WAIT)
        .toBeGreaterThan(0);
      await expect.poll(async () => (await savedUploads(page)).length, WAIT).toBe(3);

      page.on("dialog", (dialog) => void dialog.accept()); // the leave-page warning, if the browser shows it
      await page.reload();
      // Only now: routes taken away while requests are held let those go on, and a photo could finish.
      await page.unrouteAll({ behavior: "ignoreErrors" });
      await page.getByTestId("upload-panel").waitFor(WAIT);
      await expect
        .poll(() => page.getByTestId("upload-headline").textContent(), WAIT)
        .toBe(`${COUNT} need their file again`);
      expect((await savedUploads(page)).map((f) => f.name).sort()).toEqual(files.map((f) => path.basename(f)).sort());

      // Picked again, each photo completes once.
      const again = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Pick these files again" }).click();
      await (await again).setFiles(files);
      await expectAllStoredOnce(suite, token, files);
    } finally {
      await context.close();
    }
  });
});

/**
 * Slices after the first wait while the test says so (`window.__holdSlices`): the engine schedules
 * them with `scheduler.postTask`, held here in a list that is never run, so the page goes with most
 * of its selection not yet added. A new page (after the reload) runs its tasks as usual.
 */
const HOLD_LATER_SLICES = `
  localStorage.setItem("rapidphoto.addSlices", JSON.stringify({ first: 3, files: 4 }));
  localStorage.setItem("rapidphoto.hashing", "off");
  window.__heldSlices = [];
  const postTask = scheduler.postTask.bind(scheduler);
  scheduler.postTask = (callback, options) =>
    window.__holdSlices ? new Promise(() => window.__heldSlices.push(callback)) : postTask(callback, options);
`;
