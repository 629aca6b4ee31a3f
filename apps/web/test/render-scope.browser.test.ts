import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, signUpThroughUi } from "./harness";
import { RENDER_COUNTER_SCRIPT, readCommits, totals } from "./render-counter";

/**
 * What React renders again while files upload and photos arrive, counted from React's own commits
 * (render-counter.ts) in a real Chromium against the real server: the panel's tabs render only for
 * their own count, and the library grid renders only the tiles whose photo changed, not every tile a
 * new photo pushes along. Counts of renders, never times.
 */

const WAIT = { timeout: 30_000 };
const LONG = { timeout: 150_000, interval: 250 };

const suite = browserSuite({ pages: true, dirPrefix: "rapidphoto-render-scope-test-" });

async function jpegs(prefix: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(suite.dir, `${prefix}-${i}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 320, height: 240 }));
    files.push(file);
  }
  return files;
}

const countIs = (tab: string, text: string) =>
  expect.poll(() => suite.page.getByTestId(`upload-tab-count-${tab}`).textContent(), LONG).toBe(text);

/** Signs up in a page whose React commits are counted from its first load. */
async function signUpCounted(label: string) {
  await suite.context.addInitScript({ content: RENDER_COUNTER_SCRIPT });
  await signUpThroughUi(suite.page, label);
}

describe("what renders while files upload", () => {
  it("renders a tab of the panel again only when its own count changes", async () => {
    await signUpCounted("render-tabs");
    const files = await jpegs("tabs", 4);
    const from = Date.now();
    await suite.page.getByTestId("photo-picker-input").setInputFiles(files);
    await countIs("all", "4");
    await countIs("completed", "4");

    const commits = await readCommits(suite.page, from);
    const again = totals(commits, "updated");
    // Completed and Active moved with every file; All (4 from the pick on) and Failed (0) never did.
    expect(again.get("upload-tab-count-completed") ?? 0).toBeGreaterThan(0);
    expect(again.get("upload-tab-count-all") ?? 0).toBe(0);
    expect(again.get("upload-tab-count-failed") ?? 0).toBe(0);
    // The counts reach their badges through context: Radix's triggers (a dozen components each)
    // render when the panel appears, one per tab, and never for a count.
    const rendered = totals(commits, "components");
    expect(rendered.get("TabsTrigger") ?? 0).toBeLessThanOrEqual(4);
  });

  it("renders only the new photo's tile when it arrives ahead of the others in the grid", async () => {
    await signUpCounted("render-tiles");
    const grid = suite.page.getByTestId("photo-grid");
    // Shown as done: COMPLETED, with its thumbnail (a tile can show the thumbnail a moment before).
    const done = suite.page.locator('[data-testid="photo-tile"][data-status="COMPLETED"] img');
    await suite.page.getByTestId("photo-picker-input").setInputFiles(await jpegs("first", 3));
    await countIs("completed", "3");
    await expect.poll(() => done.count(), LONG).toBe(3);

    const from = Date.now();
    await suite.page.getByTestId("photo-picker-input").setInputFiles(await jpegs("later", 1));
    await countIs("completed", "4");
    await expect.poll(() => done.count(), LONG).toBe(4);
    await grid.waitFor(WAIT);

    // The new photo lands first (newest first) and moves the other three along; they keep their
    // photo, so only the new one's tile renders again (processing → its thumbnail).
    const commits = await readCommits(suite.page, from);
    const tiles = [...totals(commits, "keyed").keys()].filter((key) => key.startsWith("photo-tile@"));
    expect(tiles.length, JSON.stringify([...totals(commits, "why")])).toBeLessThanOrEqual(1);
  });
});
