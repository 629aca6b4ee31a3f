import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PhotoListResponse } from "@rapidphoto/protocol";
import type { Route } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite, signUpThroughUi } from "./harness";

/**
 * Picking photos that are already in the library, in a real Chromium against the real server: the
 * page asks which of the files' sizes the library has, hashes those files in its Worker, job creation
 * carries the hashes, and the server's duplicates answer means no byte of those files is sent. A file
 * of a size the library lacks goes up unhashed. PUTs are counted from the page's own requests.
 */

const WAIT = { timeout: 30_000 };
const LONG = { timeout: 120_000, interval: 250 };

const files: Record<"a" | "b" | "c" | "d" | "e" | "eCopy", string> = { a: "", b: "", c: "", d: "", e: "", eCopy: "" };

const suite = browserSuite({ pages: true, dirPrefix: "rapidphoto-dedupe-test-" });
beforeAll(async () => {
  for (const [i, name] of (["a", "b", "c", "d"] as const).entries()) {
    files[name] = path.join(suite.dir, `${name}.jpg`);
    // Each its own size, as photos are.
    await writeFile(
      files[name],
      await makeTestJpeg({ width: 320 + i * 16, height: 240, targetBytes: 60_000 + i * 1_000 }),
    );
  }
  // The same bytes under two names, as a camera roll's copy is.
  files.e = path.join(suite.dir, "e.jpg");
  files.eCopy = path.join(suite.dir, "e-copy.jpg");
  await writeFile(files.e, await makeTestJpeg({ width: 400, height: 300, targetBytes: 70_000 }));
  await copyFile(files.e, files.eCopy);
});

const signUp = () => signUpThroughUi(suite.page, "dedupe");

async function call<T>(token: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${suite.server.url}${url}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

const listed = async (token: string, view: "library" | "trash") =>
  (await call<PhotoListResponse>(token, `/queries/photos?in=${view}&limit=200`)).items;
const toast = (text: string) => suite.page.locator("[data-sonner-toast]").getByText(text, { exact: true });
const duplicateRow = (name: string) =>
  suite.page.locator(`[data-testid="upload-row"][data-duplicate="true"][data-name="${name}"]`);

describe("picking photos already in the library", () => {
  it("sends no byte of them, says so per row and in the toast, and offers to restore the one in Trash", async () => {
    const token = await signUp();
    const picker = suite.page.getByTestId("photo-picker-input");
    await picker.setInputFiles([files.a, files.b, files.c]);
    await expect
      .poll(async () => (await listed(token, "library")).filter((p) => p.status === "COMPLETED").length, LONG)
      .toBe(3);
    await toast("3 photos uploaded").waitFor(WAIT);
    const first = await listed(token, "library");
    const cPhoto = first.find((p) => p.filename === "c.jpg")!;
    await call(token, "/commands/photos/trash", { photoIds: [cPhoto.photoId] });

    // From here on, every storage PUT the page makes is counted.
    const puts: string[] = [];
    const jobBodies: { files: { filename: string; sha256?: string }[] }[] = [];
    suite.page.on("request", (request) => {
      if (request.method() === "PUT") puts.push(request.url());
      if (request.method() === "POST" && new URL(request.url()).pathname === "/commands/upload-jobs") {
        jobBodies.push(request.postDataJSON());
      }
    });
    await picker.setInputFiles([files.a, files.b, files.c, files.d]);

    await toast("1 uploaded · 3 already in your library").waitFor(LONG);
    for (const name of ["a.jpg", "b.jpg"]) {
      await expect
        .poll(() => duplicateRow(name).getByTestId("upload-row-detail").textContent(), WAIT)
        .toBe("Already in library");
    }
    const trashed = duplicateRow("c.jpg");
    expect(await trashed.getByTestId("upload-row-detail").textContent()).toBe("Already in library · in Trash");
    await suite.page.getByTestId("upload-duplicates").waitFor(WAIT);

    // Hashes travelled with job creation for the files whose sizes the library has; d.jpg, a size it
    // lacks, went unhashed. Only d.jpg's bytes went to storage.
    const declared = jobBodies.flatMap((b) => b.files);
    expect(declared.map((f) => f.filename).sort()).toEqual(["a.jpg", "b.jpg", "c.jpg", "d.jpg"]);
    const hashed = declared.filter((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? "")).map((f) => f.filename);
    expect(hashed.sort()).toEqual(["a.jpg", "b.jpg", "c.jpg"]);
    expect(puts).toHaveLength(1);
    // Hashed by the Worker (it alone records its time), not by the fallback on the page's thread.
    const hashedInWorker = await suite.page.evaluate(
      () => (globalThis as { __rapidphotoHashing?: { files: number } }).__rapidphotoHashing?.files ?? 0,
    );
    expect(hashedInWorker).toBeGreaterThanOrEqual(3);
    const library = await listed(token, "library");
    expect(library.map((p) => p.filename).sort()).toEqual(["a.jpg", "b.jpg", "d.jpg"]);
    expect(library.find((p) => p.filename === "a.jpg")!.photoId).toBe(
      first.find((p) => p.filename === "a.jpg")!.photoId,
    );

    // The photo in Trash is restored from its row rather than uploaded again.
    await trashed.getByRole("button", { name: "Restore c.jpg from Trash" }).click();
    await expect
      .poll(() => trashed.getByTestId("upload-row-detail").textContent(), WAIT)
      .toBe("Already in library · restored from Trash");
    expect(await listed(token, "trash")).toEqual([]);
    const after = await listed(token, "library");
    expect(after.map((p) => p.filename).sort()).toEqual(["a.jpg", "b.jpg", "c.jpg", "d.jpg"]);
    expect(after.find((p) => p.filename === "c.jpg")!.photoId).toBe(cPhoto.photoId);
    expect(puts).toHaveLength(1);
  });
});

describe("a copy of a file this tab is still sending", () => {
  it("says it waits for that file, then ends as its duplicate without a byte sent", async () => {
    await signUp();
    const picker = suite.page.getByTestId("photo-picker-input");
    // The first file's bytes are held until the copy has said why it waits.
    const puts: string[] = [];
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await suite.page.route("**/storage/**", async (route: Route) => {
      if (route.request().method() === "PUT") {
        puts.push(route.request().url());
        await released;
      }
      await route.continue();
    });
    try {
      await picker.setInputFiles([files.e]);
      // The engine retries a held PUT only after its stall timeout (30 s, WAIT's length): the copy's
      // row below must say why it waits sooner than that either way, so `puts` stays at one.
      await expect.poll(() => puts.length, WAIT).toBe(1);

      await picker.setInputFiles([files.eCopy]);
      const copy = suite.page.locator('[data-testid="upload-row"][data-name="e-copy.jpg"]');
      await expect
        .poll(() => copy.getByTestId("upload-row-detail").textContent(), WAIT)
        .toBe("Same as a file being sent · waits for it");
      release();

      await expect
        .poll(() => duplicateRow("e-copy.jpg").getByTestId("upload-row-detail").textContent(), LONG)
        .toBe("Already in library");
      expect(puts).toHaveLength(1);
    } finally {
      // Even when an expectation fails: no PUT stays held, and later tests' requests go straight.
      release();
      await suite.page.unroute("**/storage/**");
    }
  });
});
