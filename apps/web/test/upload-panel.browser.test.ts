import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Locator, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, SCREENSHOT_DIR, signUpThroughUi } from "./harness";

/**
 * The upload panel's finer points, in a real Chromium against the real server: a failure's full
 * reason without hovering, "Clear completed" keeping failed rows (also after a reload, when rows
 * come from the server's job views), attention-first order, the panel and its pill kept inside
 * the window and off the header as it shrinks and grows, and reordering waiting files by keyboard
 * and by drag, which changes the order the files are sent in.
 */

const WAIT = { timeout: 30_000 };
const LONG = { timeout: 150_000, interval: 250 };

/** Writes `count` small, distinct JPEGs named `${prefix}-NN.jpg`; returns their paths. */
const suite = browserSuite({ pages: true, dirPrefix: "rapidphoto-panel-test-" });

async function jpegs(prefix: string, count: number, big = false): Promise<string[]> {
  const files: string[] = [];
  const options = big ? { width: 1600, height: 1200, targetBytes: 1_500_000 } : { width: 320, height: 240 };
  for (let i = 0; i < count; i++) {
    const file = path.join(suite.dir, `${prefix}-${String(i).padStart(2, "0")}.jpg`);
    await writeFile(file, await makeTestJpeg(options));
    files.push(file);
  }
  return files;
}

const signUp = (label: string) => signUpThroughUi(suite.page, label);

const rows = () => suite.page.getByTestId("upload-row");
const row = (name: string) => suite.page.locator(`[data-testid="upload-row"][data-name="${name}"]`);
const rowNames = () => rows().evaluateAll((els) => els.map((el) => el.getAttribute("data-name")));
const count = (tab: string) => suite.page.getByTestId(`upload-tab-count-${tab}`).textContent();

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The element's box is inside the window and clear of the header (its search box and Upload button included). */
async function expectInsideAndOffHeader(element: Locator) {
  const box = (await element.boundingBox()) as Box;
  const viewport = suite.page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
  const header = (await suite.page.locator("[data-app-header]").boundingBox()) as Box;
  expect(box.y).toBeGreaterThanOrEqual(header.y + header.height);
  for (const control of [
    suite.page.getByRole("searchbox", { name: "Search photos" }),
    suite.page.locator("[data-app-header]").getByRole("button", { name: "Upload" }),
  ]) {
    const at = await control.boundingBox(); // null when the control is not shown at this width
    if (at) expect(overlaps(box, at)).toBe(false);
  }
  return box;
}

describe("the upload panel", () => {
  it("shows a failure's full reason by keyboard, keeps failed rows first and through Clear completed and a reload", async () => {
    await signUp("panel-failed");
    const done = await jpegs("done", 3);
    const notes = path.join(suite.dir, "notes.jpg");
    await writeFile(notes, "These are notes, not a photo.\n".repeat(200));

    await suite.page.getByTestId("photo-picker-input").setInputFiles([...done, notes]);
    await suite.page.getByTestId("upload-panel").waitFor(WAIT);
    await expect.poll(() => count("completed"), LONG).toBe("3");
    await expect.poll(() => count("failed"), LONG).toBe("1");
    // Attention first: the failed row leads "All", ahead of the completed ones added before it.
    await expect.poll(rowNames, WAIT).toEqual(["notes.jpg", "done-00.jpg", "done-01.jpg", "done-02.jpg"]);

    // The reason wraps in the row; Enter on it opens the whole text (no hover anywhere).
    const reason = row("notes.jpg").getByTestId("upload-row-detail");
    const text = (await reason.textContent()) ?? "";
    expect(text).toMatch(/not a readable image/);
    await reason.focus();
    await suite.page.keyboard.press("Enter");
    const box = suite.page.getByTestId("upload-failure-reason");
    await box.waitFor(WAIT);
    expect(await box.innerText()).toContain(text);
    expect(await reason.getAttribute("aria-expanded")).toBe("true");
    // Every word of it is visible: the box is as tall as its text needs, inside the panel.
    expect(await box.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-reason-1280.png") });

    // A file still on its way goes ahead of both failed and completed rows.
    const [slow] = await jpegs("slow", 1, true);
    const cdp = await suite.context.newCDPSession(suite.page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 100_000,
    });
    await suite.page.getByTestId("photo-picker-input").setInputFiles([slow!]);
    await expect
      .poll(rowNames, WAIT)
      .toEqual(["slow-00.jpg", "notes.jpg", "done-00.jpg", "done-01.jpg", "done-02.jpg"]);
    // Mid-upload, at both sizes: the sending row's bar, the failed and completed rows, the summary.
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-sending-1280.png") });
    await suite.page.setViewportSize({ width: 390, height: 844 });
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-sending-390.png") });
    await suite.page.setViewportSize({ width: 1280, height: 800 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await expect.poll(() => count("completed"), LONG).toBe("4");

    // Clear completed keeps the failed row...
    await suite.page.getByRole("button", { name: "Clear completed" }).click();
    await expect.poll(rowNames, WAIT).toEqual(["notes.jpg"]);
    expect(await count("failed")).toBe("1");

    // ...and so does a reload, where the rows come from the server's view of the jobs.
    await suite.page.reload();
    await expect.poll(() => row("notes.jpg").getAttribute("data-remote"), WAIT).toBe("true");
    expect(await rowNames()).toEqual(["notes.jpg"]);
    expect(await count("completed")).toBe("0");
    expect(await count("failed")).toBe("1");
    // The reason is still readable in full, by touch or click this time.
    await row("notes.jpg").getByTestId("upload-row-detail").click();
    expect(await suite.page.getByTestId("upload-failure-reason").innerText()).toMatch(/not a readable image/);

    await suite.page.setViewportSize({ width: 390, height: 844 });
    await expectInsideAndOffHeader(suite.page.getByTestId("upload-panel"));
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-reason-390.png") });
  });

  it("keeps the panel and its pill inside the window and off the header while the window shrinks and grows", async () => {
    await signUp("panel-resize");
    await suite.page.getByTestId("photo-picker-input").setInputFiles(await jpegs("resize", 2));
    const panel = suite.page.getByTestId("upload-panel");
    await panel.waitFor(WAIT);
    await expectInsideAndOffHeader(panel);

    // Dragged by its header to the top-right, just under the app header.
    const handle = panel.locator("header");
    const start = (await handle.boundingBox()) as Box;
    await suite.page.mouse.move(start.x + 60, start.y + 20);
    await suite.page.mouse.down();
    await suite.page.mouse.move(start.x + 400, 0, { steps: 8 });
    await suite.page.mouse.up();
    const chosen = await expectInsideAndOffHeader(panel);

    for (const size of [
      { width: 800, height: 420 },
      { width: 1280, height: 800 },
      { width: 900, height: 500 },
      { width: 1280, height: 800 },
    ]) {
      await suite.page.setViewportSize(size);
      await expect.poll(async () => (await panel.boundingBox())?.y, WAIT).toBeGreaterThanOrEqual(64);
      const box = await expectInsideAndOffHeader(panel);
      // Back at full size, it is where it was put, not where the small window squeezed it.
      if (size.width === 1280) expect({ x: box.x, y: box.y }).toEqual({ x: chosen.x, y: chosen.y });
    }
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-after-resize-1280.png") });

    await suite.page.getByRole("button", { name: "Minimize uploads" }).click();
    const pill = suite.page.getByTestId("upload-pill");
    await pill.waitFor(WAIT);
    for (const size of [
      { width: 800, height: 300 },
      { width: 1280, height: 800 },
    ]) {
      await suite.page.setViewportSize(size);
      await expect.poll(async () => (await pill.boundingBox())?.y, WAIT).toBeGreaterThanOrEqual(64);
      await expectInsideAndOffHeader(pill);
    }
  });

  it("reorders waiting files by keyboard and by drag, and sends them in the new order", async () => {
    await signUp("panel-reorder");
    // 10 files are active at once (the engine's default); the 3 after them wait in the queue.
    const files = await jpegs("q", 13);
    const names = files.map((f) => path.basename(f));

    // Hold every upload PUT until the queue has been reordered; note the order photos are first sent in.
    const photoNames = new Map<string, string>();
    suite.page.on("response", async (response) => {
      if (!response.url().endsWith("/commands/upload-jobs") || response.request().method() !== "POST") return;
      const sent = response.request().postDataJSON() as { files: { filename: string }[] };
      const body = (await response.json()) as { items: { photoId: string }[] };
      for (const [i, item] of body.items.entries()) photoNames.set(item.photoId, sent.files[i]!.filename);
    });
    const firstSent: string[] = [];
    const held: Route[] = [];
    let holding = true;
    await suite.page.route(
      (url) => url.pathname.startsWith("/storage/"),
      (route) => {
        if (route.request().method() !== "PUT") return route.fallback();
        const photoId = /ph_[A-Za-z0-9]+/.exec(route.request().url())?.[0];
        if (photoId && !firstSent.includes(photoId)) firstSent.push(photoId);
        if (holding) held.push(route);
        else return route.continue();
      },
    );

    await suite.page.getByTestId("photo-picker-input").setInputFiles(files);
    await suite.page.getByTestId("upload-panel").waitFor(WAIT);
    const waiting = () =>
      suite.page.locator("[data-queue-position]").evaluateAll((els) =>
        els
          .map((el) => [Number(el.getAttribute("data-queue-position")), el.getAttribute("data-name")] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, name]) => name),
      );
    const list = suite.page.getByRole("list", { name: "Uploads" });
    const showQueue = () => list.evaluate((el) => el.parentElement?.scrollTo({ top: el.scrollHeight }));
    await expect
      .poll(async () => {
        await showQueue();
        return waiting();
      }, WAIT)
      .toEqual(["q-10.jpg", "q-11.jpg", "q-12.jpg"]);

    // Keyboard: the last file's grip, ↑ twice (Alt+↑ once, plain ↑ once): now first.
    await suite.page.getByRole("button", { name: "Reorder q-12.jpg: #3 in queue" }).focus();
    await suite.page.keyboard.press("Alt+ArrowUp");
    await expect.poll(waiting, WAIT).toEqual(["q-10.jpg", "q-12.jpg", "q-11.jpg"]);
    await expect
      .poll(() => suite.page.evaluate(() => document.activeElement?.getAttribute("data-reorder") !== null), WAIT)
      .toBe(true);
    await suite.page.keyboard.press("ArrowUp");
    await expect.poll(waiting, WAIT).toEqual(["q-12.jpg", "q-10.jpg", "q-11.jpg"]);

    // Drag: q-11 (last) onto the first waiting row takes its place.
    await showQueue();
    const grip = (await suite.page.getByRole("button", { name: /^Reorder q-11\.jpg/ }).boundingBox()) as Box;
    const target = (await suite.page.locator('[data-queue-position="1"]').boundingBox()) as Box;
    await suite.page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await suite.page.mouse.down();
    await suite.page.mouse.move(target.x + 200, target.y + target.height / 2, { steps: 10 });
    await suite.page.mouse.up();
    await expect.poll(waiting, WAIT).toEqual(["q-11.jpg", "q-12.jpg", "q-10.jpg"]);
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "upload-panel-reordered-1280.png") });

    // Let everything go: the waiting files are sent in the new order, after the 10 already active.
    holding = false;
    // A request the engine gave up on meanwhile (a stall) can no longer go on; its retry is not held.
    for (const route of held.splice(0)) await route.continue().catch(() => {});
    await expect.poll(() => count("completed"), LONG).toBe("13");
    const sentNames = firstSent.map((id) => photoNames.get(id));
    expect(sentNames.slice(10)).toEqual(["q-11.jpg", "q-12.jpg", "q-10.jpg"]);
    expect(new Set(sentNames.slice(0, 10))).toEqual(new Set(names.slice(0, 10)));
  });
});
