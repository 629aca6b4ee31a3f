import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, newContext, SCREENSHOT_DIR } from "./harness";

/**
 * The library as a person uses it: the grid by month taken, the viewer by keyboard (Enter, ←/→,
 * Esc, a reload reopening it), Trash and restore, Recent, search from the header, and a phone.
 */

const WAIT = { timeout: 30_000 };
const PROCESSED = { timeout: 120_000, interval: 250 };

const suite = browserSuite({ env: { TRASH_RETENTION_DAYS: "14" } });
beforeAll(async () => {
  // Not the default 30, so the Trash page's text is seen to come from the server.
});

async function api(token: string, method: string, url: string, body?: unknown) {
  const response = await fetch(`${suite.server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

/** A signed-in page and the user's token. */
async function signUp(context: BrowserContext, name: string): Promise<{ page: Page; token: string }> {
  const page = await context.newPage();
  await page.goto("/register");
  await page.getByLabel("Email").fill(`${name}-${Date.now()}@example.com`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${suite.server.url}/`);
  await page.getByTestId("empty-library").waitFor(WAIT);
  const token = await page.evaluate(
    () => JSON.parse(localStorage.getItem("rapidphoto.session") ?? "{}").token as string,
  );
  return { page, token };
}

/** Uploads through the API (signed PUTs), as another device would; waits until processed. */
async function seed(token: string, photos: { name: string; taken: string; make?: string }[]): Promise<string[]> {
  const bytes = await Promise.all(
    photos.map((p) =>
      makeTestJpeg({
        width: 64,
        height: 48,
        exif: { ...(p.make ? { IFD0: { Make: p.make, Model: "X100V" } } : {}), IFD2: { DateTimeOriginal: p.taken } },
      }),
    ),
  );
  const files = photos.map((p, i) => ({ filename: p.name, mimeType: "image/jpeg", bytes: bytes[i]!.length }));
  const job = await api(token, "POST", "/commands/upload-jobs", { files });
  expect(job.status).toBe(201);
  for (const [i, item] of job.body.items.entries()) {
    const put = await fetch(item.url, { method: "PUT", body: new Uint8Array(bytes[i]!), headers: item.headers });
    expect(put.status).toBe(200);
    expect((await api(token, "POST", `/commands/upload/${item.photoId}/finalize`, {})).status).toBe(202);
  }
  await expect
    .poll(async () => (await api(token, "GET", `/queries/upload-jobs/${job.body.jobId}`)).body.status, PROCESSED)
    .toBe("COMPLETED");
  return job.body.items.map((item: { photoId: string }) => item.photoId);
}

const PHOTOS = [
  { name: "beach-sunset.jpg", taken: "2024:07:20 19:00:00", make: "FUJIFILM" },
  { name: "beach-morning.jpg", taken: "2024:07:18 08:00:00" },
  { name: "city.jpg", taken: "2024:03:02 12:00:00" },
  { name: "dog.jpg", taken: "2023:12:24 10:00:00" },
];

describe("the library at 1280 × 800", () => {
  it("opens photos by keyboard, moves between them, survives a reload, and closes with Esc", async () => {
    const context = await newContext(suite);
    try {
      const { page, token } = await signUp(context, "viewer");
      await seed(token, PHOTOS);
      await page.reload();
      const grid = page.getByTestId("photo-grid");
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("4");
      // Grouped by month taken, newest first.
      await expect
        .poll(() => grid.locator("h2").allInnerTexts(), WAIT)
        .toEqual([
          expect.stringMatching(/July 2024\s*2/),
          expect.stringMatching(/March 2024/),
          expect.stringMatching(/December 2023/),
        ]);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "library-1280.png") });

      // Tab reaches the tiles; Enter opens the first.
      const first = page.getByRole("button", { name: "beach-sunset.jpg" });
      await first.focus();
      expect(await first.evaluate((el) => el.matches(":focus-visible") || document.activeElement === el)).toBe(true);
      await page.keyboard.press("Enter");
      const viewer = page.getByTestId("photo-viewer");
      await viewer.waitFor(WAIT);
      expect(new URL(page.url()).searchParams.get("photo")).toMatch(/^ph_/);
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-sunset.jpg");
      const info = page.getByTestId("viewer-info");
      await expect.poll(() => info.innerText(), WAIT).toMatch(/64 × 48/);
      expect(await info.innerText()).toMatch(/FUJIFILM X100V/);
      expect(await info.innerText()).toMatch(/2024/);
      const image = page.getByTestId("viewer-image");
      expect(await image.getAttribute("data-source")).toBe("large");
      await expect
        .poll(() => image.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), WAIT)
        .toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "viewer-1280.png") });

      // ←/→ act once the viewer knows the neighbours (from the loaded list), shown as its buttons.
      await page.getByRole("button", { name: "Next photo" }).waitFor(WAIT);
      await page.keyboard.press("ArrowRight");
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-morning.jpg");
      await page.getByRole("button", { name: "Zoom to original" }).click();
      expect(await page.getByTestId("viewer-image").getAttribute("data-source")).toBe("original");
      const download = page.getByRole("link", { name: "Download original" });
      expect(await download.getAttribute("href")).toBeTruthy();

      // A reload reopens the same photo; Esc closes it and the URL forgets it.
      await page.reload();
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-morning.jpg");
      // After a reload the photo shows before the list arrives; on a busy machine a key pressed
      // then has no neighbour to go to.
      await page.getByRole("button", { name: "Previous photo" }).waitFor(WAIT);
      await page.keyboard.press("ArrowLeft");
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-sunset.jpg");
      await page.keyboard.press("Escape");
      await page.getByTestId("photo-viewer").waitFor({ state: "detached", ...WAIT });
      expect(new URL(page.url()).searchParams.get("photo")).toBeNull();
    } finally {
      await context.close();
    }
  });

  it("moves the focus between tiles with the arrow keys, by row with ↑/↓, visibly", async () => {
    const context = await newContext(suite);
    try {
      const { page, token } = await signUp(context, "arrows");
      await seed(token, PHOTOS);
      await page.reload();
      const grid = page.getByTestId("photo-grid");
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("4");
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return { name: el?.getAttribute("aria-label"), visible: Boolean(el?.matches(":focus-visible")) };
        });
      // Rows by month: [beach-sunset, beach-morning] · [city] · [dog].
      await page.getByRole("button", { name: "beach-sunset.jpg" }).focus();
      await page.keyboard.press("ArrowRight");
      await expect.poll(focused, WAIT).toEqual({ name: "beach-morning.jpg", visible: true });
      await page.keyboard.press("ArrowDown"); // the row below is shorter: its last photo
      await expect.poll(focused, WAIT).toEqual({ name: "city.jpg", visible: true });
      await page.keyboard.press("ArrowDown");
      await expect.poll(focused, WAIT).toEqual({ name: "dog.jpg", visible: true });
      await page.keyboard.press("ArrowDown"); // the end: stays
      await page.keyboard.press("ArrowUp");
      await expect.poll(focused, WAIT).toEqual({ name: "city.jpg", visible: true });
      await page.keyboard.press("ArrowUp");
      await expect.poll(focused, WAIT).toEqual({ name: "beach-sunset.jpg", visible: true });
      await page.keyboard.press("ArrowLeft"); // the start: stays
      expect(await focused()).toEqual({ name: "beach-sunset.jpg", visible: true });
      // The focus ring is drawn (a box shadow from the ring utilities), and Enter opens that photo.
      const ring = await page.evaluate(() => getComputedStyle(document.activeElement as Element).boxShadow);
      expect(ring).not.toBe("none");
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "grid-arrow-focus-1280.png") });
      await page.keyboard.press("Enter");
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-sunset.jpg");
    } finally {
      await context.close();
    }
  });

  it("moves photos to Trash from the viewer and the grid, restores and deletes forever; Recent and search follow", async () => {
    const context = await newContext(suite);
    try {
      const { page, token } = await signUp(context, "trash");
      const ids = await seed(token, PHOTOS);
      page.on("dialog", (dialog) => void dialog.accept());
      await page.goto("/recent");
      const grid = page.getByTestId("photo-grid");
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("4");
      expect(await grid.locator("h2").allInnerTexts()).toEqual([expect.stringMatching(/^Uploaded .*4$/s)]);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "recent-1280.png") });

      // From the viewer.
      await page.goto("/");
      await page.getByRole("button", { name: "dog.jpg" }).click();
      await page.getByRole("button", { name: "Move to Trash" }).click();
      // The viewer moves on to a neighbour; the dog leaves the grid.
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("3");
      await page.keyboard.press("Escape");

      // A selection from the grid.
      await page.getByLabel("Select city.jpg").check({ force: true }); // the box is drawn by its label
      await page.getByLabel("Select beach-morning.jpg").check({ force: true }); // the box is drawn by its label
      await page.getByRole("button", { name: "Move to Trash" }).click();
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("1");

      await page.getByRole("link", { name: "Recent" }).first().click();
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("1");

      await page.getByRole("link", { name: "Trash" }).first().click();
      await page.waitForURL(`${suite.server.url}/trash`);
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("3");
      await expect
        .poll(() => page.getByTestId("trash-retention").innerText(), WAIT)
        .toBe("Photos in Trash are deleted forever after 14 days.");
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "trash-1280.png") });
      await page.getByLabel("Select city.jpg").check({ force: true }); // the box is drawn by its label
      await page.getByRole("button", { name: "Restore" }).click();
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("2");
      await page.getByLabel("Select dog.jpg").check({ force: true }); // the box is drawn by its label
      await page.getByRole("button", { name: "Delete forever" }).click();
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("1");
      expect((await api(token, "GET", `/queries/photos/${ids[3]}`)).status).toBe(404);
      await page.getByRole("button", { name: "Empty Trash" }).click();
      await page.getByText("Trash is empty").waitFor(WAIT);
      await page.getByText("Photos you delete show up here for 14 days.").waitFor(WAIT);
      expect((await api(token, "GET", `/queries/photos/${ids[1]}`)).status).toBe(404);

      // Search from the header box: results in the same grid.
      const search = page.getByRole("searchbox", { name: "Search photos" });
      await search.fill("BEACH");
      await search.press("Enter");
      await page.waitForURL(/\?q=BEACH$/);
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("1");
      expect(await page.getByTestId("photo-tile").getByRole("button").first().getAttribute("aria-label")).toBe(
        "beach-sunset.jpg",
      );
      await search.fill("nothing-like-this");
      await search.press("Enter");
      await page.getByText("No photos match").waitFor(WAIT);
    } finally {
      await context.close();
    }
  });
});

describe("the library on a phone (390 × 844)", () => {
  it("reaches every page from the bottom bar, fits the screen, and keeps touch targets ≥ 44 px", async () => {
    const context = await suite.browser.newContext({
      baseURL: suite.server.url,
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    context.setDefaultTimeout(WAIT.timeout);
    try {
      const { page, token } = await signUp(context, "phone");
      await seed(token, PHOTOS);
      await page.reload();
      const grid = page.getByTestId("photo-grid");
      await expect.poll(() => grid.getAttribute("data-count"), WAIT).toBe("4");
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "library-390.png") });

      const fits = () =>
        page.evaluate(() => {
          const off = [...document.querySelectorAll<HTMLElement>("body *")].filter((el) => {
            const r = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (r.width === 0 || r.height === 0 || style.visibility === "hidden") return false;
            if (el.closest(".sr-only")) return false;
            return r.left < -1 || r.right > window.innerWidth + 1;
          });
          return off.map((el) => `${el.tagName}.${el.className}`.slice(0, 80));
        });
      expect(await fits()).toEqual([]);

      const nav = page.getByRole("navigation", { name: "Library pages" });
      for (const [label, url] of [
        ["Recent", "/recent"],
        ["Trash", "/trash"],
        ["My Files", "/"],
      ] as const) {
        const link = nav.getByRole("link", { name: label });
        const box = await link.boundingBox();
        expect(box && box.height >= 44 && box.width >= 44, label).toBe(true);
        await link.tap();
        await page.waitForURL(`${suite.server.url}${url}`);
      }
      // Header controls are thumb-sized too.
      for (const control of [page.getByRole("button", { name: "Upload" }), page.getByRole("searchbox")]) {
        const box = await control.first().boundingBox();
        expect(box?.height).toBeGreaterThanOrEqual(44);
      }

      // The viewer on a phone: swipe to the next photo.
      await grid.waitFor(WAIT);
      await page.getByRole("button", { name: "beach-sunset.jpg" }).tap();
      const viewer = page.getByTestId("photo-viewer");
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-sunset.jpg");
      await viewer.evaluate((el) => {
        const touch = (x: number) => new Touch({ identifier: 1, target: el, clientX: x, clientY: 400 });
        el.dispatchEvent(
          new TouchEvent("touchstart", { bubbles: true, touches: [touch(300)], changedTouches: [touch(300)] }),
        );
        el.dispatchEvent(new TouchEvent("touchend", { bubbles: true, touches: [], changedTouches: [touch(100)] }));
      });
      await expect.poll(() => page.getByTestId("viewer-filename").innerText(), WAIT).toBe("beach-morning.jpg");
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "viewer-390.png") });
      expect(await fits()).toEqual([]);
      await page.goBack();
      await viewer.waitFor({ state: "detached", ...WAIT });
    } finally {
      await context.close();
    }
  });
});
