import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { PhotoDetail, PhotoListResponse } from "@rapidphoto/protocol";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { IMAGE_FIXTURES, readFixture } from "../../server/testing/image-fixtures/catalogue";
import { browserSuite, getJson, newContext, SCREENSHOT_DIR, signUpThroughUi } from "./harness";

/**
 * An iPhone photo from a Windows or Linux browser: the file's `type` is empty, so the web app must
 * take it by its .heic name, and Chromium cannot display HEIC, so the library must show the
 * server's WebP rendition. The file goes in through the real file chooser the Upload button opens.
 */

const WAIT = { timeout: 30_000 };
const PROCESSED = { timeout: 120_000, interval: 250 };
const fixture = IMAGE_FIXTURES.heic;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let page: Page;

const signUp = () => signUpThroughUi(page, "heic");

const api = <T>(token: string, url: string) => getJson<T>(suite.server, token, url);

const suite = browserSuite({ dirPrefix: "rapidphoto-heic-test-" });
describe("a HEIC photo from the browser", () => {
  it("is taken by its extension when the browser gives no type, and shows as an upright WebP thumbnail", async () => {
    const context = await newContext(suite);
    page = await context.newPage();
    try {
      const token = await signUp();
      const bytes = await readFixture(fixture.file);
      // Named as an iPhone names it. Chromium on Linux types a lowercase .heic as image/heif, but
      // leaves the uppercase .HEIC a phone writes untyped, as Windows browsers do.
      const file = path.join(suite.dir, "IMG_4032.HEIC");
      await writeFile(file, bytes);
      // The types the page's picker is handed, recorded before the app's own handler clears the input.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { __pickedTypes: string[] }).__pickedTypes = seen;
        document.addEventListener(
          "change",
          (event) => {
            const input = event.target as HTMLInputElement;
            if (input.type === "file") seen.push(...Array.from(input.files ?? [], (f) => f.type));
          },
          true,
        );
      });

      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Upload", exact: true }).first().click();
      const fileChooser = await chooser;
      expect(await fileChooser.element().getAttribute("accept")).toContain(".heic");
      await fileChooser.setFiles(file);
      expect(await page.evaluate(() => (window as unknown as { __pickedTypes: string[] }).__pickedTypes)).toEqual([""]);

      // The tile completes and its image is the server's WebP, which Chromium (unlike HEIC) displays.
      const tile = page.getByTestId("photo-tile").first();
      await expect.poll(() => tile.getAttribute("data-status"), PROCESSED).toBe("COMPLETED");
      const img = tile.locator("img");
      await expect
        .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), WAIT)
        .toBe(true);
      const shown = await img.evaluate((el: HTMLImageElement) => ({
        src: el.currentSrc,
        width: el.naturalWidth,
        height: el.naturalHeight,
      }));
      expect([shown.width, shown.height]).toEqual([171, 256]); // the small rendition, portrait as displayed
      const thumbnail = Buffer.from(await (await fetch(shown.src)).arrayBuffer());
      expect(thumbnail.toString("latin1", 8, 12)).toBe("WEBP");
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-heic-tile.png") });

      // The viewer shows the 1024 px WebP, and zooming keeps it: Chromium cannot show the HEIC original.
      await img.click();
      const viewerImage = page.getByTestId("viewer-image");
      await viewerImage.waitFor(WAIT);
      await page.getByRole("button", { name: "Zoom to original" }).click();
      await expect.poll(() => viewerImage.getAttribute("data-source"), WAIT).toBe("original");
      await expect
        .poll(() => viewerImage.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), WAIT)
        .toBe(true);
      const zoomed = await viewerImage.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
      expect(zoomed).toEqual([fixture.width, fixture.height]); // the large rendition, never enlarged
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-heic-viewer.png") });

      // The server recorded it as HEIC, upright, with the date it was taken; download gives the original bytes.
      const { items } = await api<PhotoListResponse>(token, "/queries/photos");
      expect(items).toHaveLength(1);
      const detail = await api<PhotoDetail>(token, `/queries/photos/${items[0]!.photoId}`);
      expect(detail).toMatchObject({
        filename: "IMG_4032.HEIC",
        mimeType: "image/heic",
        status: "COMPLETED",
        width: fixture.width,
        height: fixture.height,
        takenAt: fixture.exif.takenAt,
      });
      const original = Buffer.from(await (await fetch(detail.downloadUrl!)).arrayBuffer());
      expect(sha256(original)).toBe(sha256(bytes));
    } finally {
      await context.close();
    }
  });
});
