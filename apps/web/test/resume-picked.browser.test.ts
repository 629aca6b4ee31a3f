import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, savedUploads, signUpThroughUi } from "./harness";
import { expectAllStoredOnce, holdUploadsAfter } from "./stored-once";

/**
 * Photos picked with the Upload button keep their file handles where the browser has
 * `showOpenFilePicker`, so after a reload "Resume N uploads" finishes them without picking again.
 *
 * The picker is FAKED: Playwright cannot answer showOpenFilePicker (it raises no `filechooser` for
 * it, microsoft/playwright#8850). The fake, installed by an init script, returns REAL
 * FileSystemFileHandles from the origin-private file system, holding files this test wrote there
 * with the same bytes as the originals on disk; so the handles are stored in IndexedDB, survive the
 * reload and are read back by the app exactly as picked files' would be (an OPFS handle's read
 * permission is always granted, so the permission prompt is the one step not exercised here; its
 * logic is covered in file-handles.test.ts). Storage PUTs are held with page.route, so "mid-upload"
 * is a condition, not a moment.
 */

const WAIT = { timeout: 30_000 };
const LONG = { timeout: 150_000, interval: 250 };
const COUNT = 8;
/** Storage PUTs let through before the rest are held. */
const LET_THROUGH = 3;

let files: string[];
const suite = browserSuite({ pages: true, dirPrefix: "rapidphoto-picker-test-" });

beforeAll(async () => {
  files = [];
  for (let i = 0; i < COUNT; i++) {
    const file = path.join(suite.dir, `picked-${String(i).padStart(2, "0")}.jpg`);
    await writeFile(file, await makeTestJpeg({ width: 640, height: 480, targetBytes: 200_000 }));
    files.push(file);
  }
});

/**
 * The page's showOpenFilePicker: reports each call (and its options) to the test, then returns the
 * handles of the files named in localStorage "test.pick" from the origin-private file system.
 * Serialized into the page: no closures over module scope.
 */
function installFakePicker() {
  const page = globalThis as unknown as {
    showOpenFilePicker?: (options: unknown) => Promise<unknown[]>;
    __pickerCalled(options: unknown): Promise<void>;
  };
  page.showOpenFilePicker = async (options) => {
    await page.__pickerCalled(options);
    const names = JSON.parse(localStorage.getItem("test.pick") ?? "[]") as string[];
    const root = await navigator.storage.getDirectory();
    return Promise.all(names.map((name) => root.getFileHandle(name)));
  };
}

/** Writes the originals into the page origin's private file system, byte for byte. */
async function writeToOriginPrivateFs(names: { name: string; base64: string }[]) {
  await suite.page.evaluate(async (entries) => {
    const root = await navigator.storage.getDirectory();
    for (const { name, base64 } of entries) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const writable = await (await root.getFileHandle(name, { create: true })).createWritable();
      await writable.write(bytes);
      await writable.close();
    }
    localStorage.setItem("test.pick", JSON.stringify(entries.map((e) => e.name)));
  }, names);
}

describe("photos picked with the Upload button resume after a reload", () => {
  it("the harness's pages have no showOpenFilePicker, so the other browser tests drive the <input>", async () => {
    await suite.page.goto("/register");
    // A secure context (127.0.0.1), where Chromium would otherwise offer the picker.
    expect(await suite.page.evaluate(() => [isSecureContext, "showOpenFilePicker" in window])).toEqual([true, false]);
  });

  it("picked through the browser's file picker, reloaded mid-upload: Resume N uploads completes each photo once, no file picked again", async () => {
    const pickerCalls: { multiple?: boolean; id?: string; types?: { accept: Record<string, string[]> }[] }[] = [];
    // Exposed on the context: it survives the reload, so a pick after it would be counted too.
    await suite.context.exposeBinding("__pickerCalled", (_source, options) => {
      pickerCalls.push(options);
    });
    // Registered after the harness's script that removes the real picker, so this one stays.
    await suite.context.addInitScript(installFakePicker);
    const chooserEvents: unknown[] = [];
    suite.page.on("filechooser", (chooser) => chooserEvents.push(chooser));

    const token = await signUpThroughUi(suite.page, "picked-resume");
    await writeToOriginPrivateFs(
      await Promise.all(
        files.map(async (f) => ({ name: path.basename(f), base64: (await readFile(f)).toString("base64") })),
      ),
    );

    const gate = await holdUploadsAfter(LET_THROUGH, suite.page);
    await suite.page.getByRole("button", { name: "Upload", exact: true }).click();
    await expect.poll(gate.passed, LONG).toBe(LET_THROUGH);
    // Mid-upload: every file registered and saved for later, some stored, the rest held.
    await expect
      .poll(async () => {
        const saved = await savedUploads(suite.page);
        return saved.length > 0 && saved.length < files.length && saved.every((f) => f.photoId !== null);
      }, LONG)
      .toBe(true);
    expect(pickerCalls).toHaveLength(1);
    expect(pickerCalls[0]?.multiple).toBe(true);
    expect(pickerCalls[0]?.id).toBeTruthy();
    expect(Object.keys(pickerCalls[0]?.types?.[0]?.accept ?? {})).toEqual(
      expect.arrayContaining(["image/jpeg", "image/heic", "image/heif"]),
    );

    suite.page.on("dialog", (dialog) => void dialog.accept()); // the leave-page warning, if the browser shows it
    await suite.page.reload();
    // Only after the reload: routes taken away while storage PUTs are held let those go on.
    await suite.page.unrouteAll({ behavior: "ignoreErrors" });
    await suite.page.getByTestId("upload-panel").waitFor(WAIT);
    await expect
      .poll(() => suite.page.locator('[data-testid="upload-row"][data-badge="NEEDS_FILE"]').count(), WAIT)
      .toBeGreaterThan(0);

    // The handles came back with the saved state: one click resumes every waiting photo. (The
    // button's number is not pinned: it was seen to change once while the page restored its state.)
    await suite.page.getByRole("button", { name: /^Resume \d+ uploads?$/ }).click();
    await expectAllStoredOnce(suite, token, files);
    await expect.poll(() => suite.page.getByTestId("upload-tab-count-active").textContent(), LONG).toBe("0");
    // Nothing was picked again: neither the browser's picker nor the <input>.
    expect(pickerCalls).toHaveLength(1);
    expect(chooserEvents).toHaveLength(0);
  });
});
