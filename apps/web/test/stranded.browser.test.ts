import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { JobView } from "@rapidphoto/protocol";
import type { Route } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, newContext, signUpThroughUi } from "./harness";

/**
 * The honest stranded state, pushed: a tab that stops sending (its storage PUTs never answer, then
 * it closes) lets its photos' sender lease lapse, and another open tab of the same user shows them
 * as needing their file without a reload or a refetch. The lease is cut to a few seconds
 * (SENDER_LEASE_SECONDS) so the lapse is a condition the test waits for, not minutes.
 */

const WAIT = { timeout: 30_000 };
const SESSION_KEY = "rapidphoto.session";

let files: string[];
const suite = browserSuite({
  pages: true,
  dirPrefix: "rapidphoto-stranded-test-",
  env: { SENDER_LEASE_SECONDS: "10" },
});
beforeAll(async () => {
  files = [];
  for (let i = 0; i < 3; i++) {
    const file = path.join(suite.dir, `stranded-${i}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 320 + i * 16, height: 240, targetBytes: 40_000 }));
    files.push(file);
  }
});

describe("photos nobody sends any more", () => {
  it("are shown as needing their file in another open tab once their lease lapses, pushed, without a refetch", async () => {
    const sender = suite.page;
    await signUpThroughUi(sender, "stranded");
    const session = await sender.evaluate((key) => localStorage.getItem(key), SESSION_KEY);

    // The other tab: the same user in another browser context (another window or device).
    const otherContext = await newContext(suite);
    await otherContext.addInitScript(({ key, value }) => localStorage.setItem(key, value), {
      key: SESSION_KEY,
      value: session ?? "",
    });
    const other = await otherContext.newPage();
    const fetchedViews: JobView[] = [];
    other.on("response", (response) => {
      if (/\/queries\/upload-jobs\/job_/.test(new URL(response.url()).pathname)) {
        void response.json().then((view: JobView) => fetchedViews.push(view));
      }
    });
    await other.goto("/");
    await other.getByTestId("empty-library").waitFor(WAIT);

    // The sender registers the files, then none of their bytes get through.
    await sender.route("**/storage/**", async (route: Route) => {
      if (route.request().method() !== "PUT") await route.continue();
    });
    await sender.getByTestId("photo-picker-input").setInputFiles(files);
    const headline = other.getByTestId("upload-headline");
    await expect.poll(() => headline.textContent(), WAIT).toBe("3 uploading in another tab");
    await sender.close();

    await expect.poll(() => headline.textContent(), WAIT).toBe("3 need their file again");
    const stranded = other.locator('[data-testid="upload-row"][data-badge="NEEDS_FILE"]');
    await expect.poll(() => stranded.count(), WAIT).toBe(3);
    expect(await stranded.first().getByTestId("upload-row-detail").textContent()).toBe(
      "Needs the file again · no tab is sending it",
    );
    // The tab learnt it from the lapse's pushes: every view it fetched still had the photos held.
    expect(fetchedViews.length).toBeGreaterThan(0);
    expect(fetchedViews.flatMap((view) => view.photos).some((photo) => photo.waitingForFile)).toBe(false);
    await otherContext.close();
  });
});
