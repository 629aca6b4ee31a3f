import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { JobSummary, JobView } from "@rapidphoto/protocol";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, getJson, newContext, SCREENSHOT_DIR, signUpThroughUi } from "./harness";

/**
 * A selection larger than one upload job. The server holds 10 files per job here
 * (MAX_FILES_PER_JOB=10; 1,000 by default), so 25 photos picked at once through the real file
 * chooser must become several jobs, created one after another as the queue drains, and the panel
 * must still show one batch: one summary, one progress bar, one status, one toast.
 */

const JOB_LIMIT = 10;
const COUNT = 25;
const WAIT = { timeout: 30_000 };
const LONG = { timeout: 180_000, interval: 250 };

let page: Page;
let files: string[];

const suite = browserSuite({ dirPrefix: "rapidphoto-split-test-", env: { MAX_FILES_PER_JOB: String(JOB_LIMIT) } });
beforeAll(async () => {
  files = [];
  for (let i = 0; i < COUNT; i++) {
    const file = path.join(suite.dir, `split-${String(i).padStart(2, "0")}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 320, height: 240, targetBytes: 30_000 + i * 100 }));
    files.push(file);
  }
});

const signUp = () => signUpThroughUi(page, "split");

const api = <T>(token: string, url: string) => getJson<T>(suite.server, token, url);

const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim();

describe("a selection larger than one upload job", () => {
  it("becomes several jobs shown as one batch, and every photo is COMPLETED", async () => {
    const context = await newContext(suite);
    page = await context.newPage();
    try {
      const token = await signUp();
      const created: number[] = [];
      page.on("response", (response) => {
        if (response.request().method() === "POST" && response.url().endsWith("/commands/upload-jobs")) {
          created.push(response.status());
        }
      });

      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Upload", exact: true }).first().click();
      await (await chooser).setFiles(files);
      await page.getByTestId("upload-panel").waitFor(WAIT);
      await expect.poll(() => text("upload-tab-count-all"), WAIT).toBe(String(COUNT));

      await expect.poll(() => text("upload-tab-count-completed"), LONG).toBe(String(COUNT));
      expect(await text("upload-tab-count-failed")).toBe("0");
      // The library follows: no tile is left showing "Processing…" once its photo is COMPLETED.
      const tiles = page.getByTestId("photo-tile");
      await expect.poll(() => tiles.count(), WAIT).toBeGreaterThan(0);
      await expect
        .poll(() => page.locator('[data-testid="photo-tile"][data-status="PROCESSING"]').count(), LONG)
        .toBe(0);
      expect(await page.locator('[data-testid="photo-tile"][data-status="COMPLETED"]').count()).toBe(
        await tiles.count(),
      );
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-upload-split-batch.png") });

      // One batch: one summary over all 25, one status (no "+2 earlier"), one toast.
      expect(await text("upload-headline")).toBe(`All ${COUNT} uploaded`);
      await expect.poll(() => text("job-status"), WAIT).toBe("Completed");
      await page.locator("[data-sonner-toast]").getByText(`${COUNT} photos uploaded`, { exact: true }).waitFor(WAIT);
      expect(await page.locator("[data-sonner-toast]").count()).toBe(1);

      // The server holds several jobs of at most 10 (how many depends on how far hashing ran ahead
      // of sending: each job takes what was hashed meanwhile), every photo COMPLETED exactly once.
      const { items } = await api<{ items: JobSummary[] }>(token, "/queries/upload-jobs?active=true");
      const views = await Promise.all(items.map((job) => api<JobView>(token, `/queries/upload-jobs/${job.jobId}`)));
      const sizes = views.map((view) => view.totalCount);
      expect(sizes.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
      const photos = views.flatMap((view) => view.photos);
      expect(photos).toHaveLength(COUNT);
      expect(new Set(photos.map((p) => p.filename)).size).toBe(COUNT);
      expect(photos.every((p) => p.status === "COMPLETED")).toBe(true);
      expect(created.filter((status) => status === 201)).toHaveLength(views.length);
    } finally {
      await context.close();
    }
  });
});
