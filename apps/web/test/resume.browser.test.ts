import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PhotoListResponse } from "@rapidphoto/protocol";
import type { Page, Request } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, getJson, savedUploads, signUpThroughUi } from "./harness";
import { expectAllStoredOnce, holdUploadsAfter } from "./stored-once";

/**
 * Uploads survive the page: a reload or a closed tab mid-batch leaves the unfinished photos saved
 * in IndexedDB; the next page shows them as needing their file, and picking the files again sends
 * only what storage lacks. Storage PUTs are held with page.route (no sleeps), so "mid-batch" is a
 * condition, not a moment.
 */

const WAIT = { timeout: 30_000 };
const LONG = { timeout: 150_000, interval: 250 };

const SMALL_COUNT = 10;
/** Over the 8 MiB part size: a multipart upload of two parts. */
const BIG_BYTES = 9_000_000;
/** Storage PUTs let through before the rest are held: the batch is then part stored, part not. */
const LET_THROUGH = 5;

let files: string[];
let totalBytes = 0;

const suite = browserSuite({ pages: true, dirPrefix: "rapidphoto-resume-test-" });
beforeAll(async () => {
  files = [];
  for (let i = 0; i < SMALL_COUNT; i++) {
    const file = path.join(suite.dir, `resume-${String(i).padStart(2, "0")}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 640, height: 480, targetBytes: 200_000 }));
    files.push(file);
  }
  // First, so its parts are among the PUTs let through: most of the batch's bytes are stored before the page goes.
  const big = path.join(suite.dir, "resume-big.jpg");
  await writeFile(big, await makeTestJpeg({ width: 2000, height: 1500, targetBytes: BIG_BYTES }));
  files.unshift(big);
  for (const file of files) totalBytes += (await readFile(file)).byteLength;
});

const isStoragePut = (request: Request) => request.method() === "PUT" && request.url().includes("/storage/");

const signUp = (label: string) => signUpThroughUi(suite.page, label);

const api = <T>(token: string, url: string) => getJson<T>(suite.server, token, url);

/** Photo ids of the unfinished files this browser keeps for later (null: not registered yet). */
const savedPhotoIds = async (target: Page) => (await savedUploads(target)).map((f) => f.photoId);

/** Bytes of the storage PUTs the page sends from now on. */
function countSentBytes(target: Page) {
  const requests: Request[] = [];
  target.on("request", (request) => {
    if (isStoragePut(request)) requests.push(request);
  });
  return async () => {
    let bytes = 0;
    // A Blob upload's body is not visible to the driver; its Content-Length is.
    for (const request of requests) bytes += Number((await request.allHeaders())["content-length"] ?? 0);
    return bytes;
  };
}

/**
 * Mid-batch: some photos stored, every file registered and saved for later, the rest held. Waits
 * until the saved state agrees with the server (saved = every file the library does not hold yet):
 * a finalize still on its way would otherwise finish a photo the saved state calls unfinished.
 */
async function startBatchAndHold(target: Page, token: string) {
  const gate = await holdUploadsAfter(LET_THROUGH, target);
  // Storage PUTs answered, and finalizes not answered yet: none may be on its way when the page goes.
  let putsAnswered = 0;
  let finalizesOpen = 0;
  const isFinalize = (request: Request) => request.method() === "POST" && request.url().endsWith("/finalize");
  target.on("request", (request) => {
    if (isFinalize(request)) finalizesOpen++;
  });
  target.on("requestfinished", (request) => {
    if (isFinalize(request)) finalizesOpen--;
    if (isStoragePut(request)) putsAnswered++;
  });
  target.on("requestfailed", (request) => {
    if (isFinalize(request)) finalizesOpen--;
  });
  await target.getByTestId("photo-picker-input").setInputFiles(files);
  await expect.poll(gate.passed, LONG).toBe(LET_THROUGH);
  await expect
    .poll(async () => {
      if (putsAnswered < LET_THROUGH || finalizesOpen > 0) return false;
      const saved = await savedPhotoIds(target);
      const { items } = await api<PhotoListResponse>(token, "/queries/photos?limit=200");
      return (
        saved.length > 0 &&
        saved.length < files.length &&
        saved.every((id) => id !== null) &&
        saved.length === files.length - items.length
      );
    }, LONG)
    .toBe(true);
  const waiting = new Set((await savedUploads(target)).map((f) => f.name));
  return files.filter((f) => waiting.has(path.basename(f)));
}

describe("resuming uploads after the page went away", () => {
  // The files still unfinished are picked again (the next test picks the finished ones too).
  it("reload mid-batch, then pick the unfinished files again: each photo completes once, sending only what was missing", async () => {
    const token = await signUp("reload");
    const unfinished = await startBatchAndHold(suite.page, token);

    suite.page.on("dialog", (dialog) => void dialog.accept()); // the leave-page warning, if the browser shows it
    await suite.page.reload();
    // Only after the reload: routes taken away while storage PUTs are held let those go on.
    await suite.page.unrouteAll({ behavior: "ignoreErrors" });
    const panel = suite.page.getByTestId("upload-panel");
    await panel.waitFor(WAIT);
    // Honest: the files are not here, no other tab sends them, so nothing claims to be uploading.
    await expect
      .poll(() => suite.page.getByTestId("upload-headline").textContent(), WAIT)
      .toMatch(/^\d+ need their file again$/);
    const stranded = suite.page.locator('[data-testid="upload-row"][data-badge="NEEDS_FILE"]');
    await expect.poll(() => stranded.count(), WAIT).toBeGreaterThan(0);
    expect(await stranded.first().getByTestId("upload-row-detail").textContent()).toBe(
      "Needs the file again · pick it again to finish",
    );
    expect(await panel.textContent()).not.toContain("another tab");
    expect(await suite.page.getByTestId("job-status").textContent()).not.toContain("Completed");

    // Pick the files again through the panel's own button.
    const sent = countSentBytes(suite.page);
    const chooser = suite.page.waitForEvent("filechooser");
    await suite.page.getByRole("button", { name: "Pick these files again" }).click();
    await (await chooser).setFiles(unfinished);
    await expectAllStoredOnce(suite, token, files);
    await expect.poll(() => suite.page.getByTestId("upload-tab-count-active").textContent(), LONG).toBe("0");
    const resent = await sent();
    console.log(`[resume] re-sent ${resent} of ${totalBytes} bytes after the reload`);
    expect(resent).toBeGreaterThan(0);
    // What was stored before the reload is not sent again. (Part-level resume of one file is shown
    // by the engine's test; here the held PUTs decide which files were stored.)
    expect(resent).toBeLessThan(totalBytes);
  });

  it("reload mid-batch, then pick every file again, finished ones too: those are already in the library, no byte of theirs is sent, the rest complete once", async () => {
    const token = await signUp("repick-all");
    const unfinished = await startBatchAndHold(suite.page, token);
    const finished = files.filter((f) => !unfinished.includes(f)).map((f) => path.basename(f));
    expect(finished.length).toBeGreaterThan(0);
    const waitingIds = new Set((await savedUploads(suite.page)).map((f) => f.photoId));

    suite.page.on("dialog", (dialog) => void dialog.accept());
    await suite.page.reload();
    // Only after the reload: routes taken away while storage PUTs are held let those go on.
    await suite.page.unrouteAll({ behavior: "ignoreErrors" });
    await suite.page.getByTestId("upload-panel").waitFor(WAIT);
    await expect
      .poll(() => suite.page.locator('[data-testid="upload-row"][data-badge="NEEDS_FILE"]').count(), WAIT)
      .toBeGreaterThan(0);

    // From here on, every storage PUT and every job the page creates is recorded.
    const puts: string[] = [];
    const jobBodies: { files: { filename: string; sha256?: string }[] }[] = [];
    suite.page.on("request", (request) => {
      if (isStoragePut(request)) puts.push(request.url());
      if (request.method() === "POST" && new URL(request.url()).pathname === "/commands/upload-jobs") {
        jobBodies.push(request.postDataJSON());
      }
    });
    const chooser = suite.page.waitForEvent("filechooser");
    await suite.page.getByRole("button", { name: "Pick these files again" }).click();
    await (await chooser).setFiles(files);

    for (const name of finished) {
      const row = suite.page.locator(`[data-testid="upload-row"][data-duplicate="true"][data-name="${name}"]`);
      await expect.poll(() => row.getByTestId("upload-row-detail").textContent(), LONG).toBe("Already in library");
    }
    await expectAllStoredOnce(suite, token, files);
    await expect.poll(() => suite.page.getByTestId("upload-tab-count-active").textContent(), LONG).toBe("0");
    // Only the finished files were registered again (with their hashes, which the server knew);
    // the unfinished ones resumed their own photos, and every byte sent was theirs.
    expect(jobBodies.flatMap((b) => b.files.map((f) => f.filename)).sort()).toEqual([...finished].sort());
    expect(jobBodies.flatMap((b) => b.files).every((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? ""))).toBe(true);
    expect(puts.length).toBeGreaterThan(0);
    for (const url of puts)
      expect(
        [...waitingIds].some((id) => id !== null && url.includes(id)),
        url,
      ).toBe(true);
    // No second copy in the library either.
    const library = await api<PhotoListResponse>(token, "/queries/photos?in=library&limit=200");
    expect(library.items.map((p) => p.filename).sort()).toEqual(files.map((f) => path.basename(f)).sort());
  });

  it("a tab closed mid-batch: a new tab shows the photos waiting and finishes them when the files are picked again", async () => {
    const token = await signUp("closed");
    const unfinished = await startBatchAndHold(suite.page, token);
    await suite.page.close();

    suite.page = await suite.context.newPage();
    await suite.page.goto("/");
    await suite.page.getByTestId("upload-panel").waitFor(WAIT);
    await expect
      .poll(() => suite.page.locator('[data-testid="upload-row"][data-badge="NEEDS_FILE"]').count(), WAIT)
      .toBeGreaterThan(0);
    expect(await suite.page.getByTestId("job-status").textContent()).not.toContain("Completed");
    await suite.page.getByTestId("photo-picker-input").setInputFiles(unfinished);
    await expectAllStoredOnce(suite, token, files);
    await expect.poll(() => suite.page.getByTestId("upload-tab-count-active").textContent(), LONG).toBe("0");
  });
});
