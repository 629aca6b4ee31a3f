import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createTempPostgresDatabase,
  postgresAvailable,
  REDIS_TEST_URL,
  redisAvailable,
  type ServerProcess,
  startServerProcess,
} from "@rapidphoto/server/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { launchBrowser, newContext, prepareWebBuild, signUpThroughUi } from "./harness";
import { RENDER_COUNTER_SCRIPT, readCommits, totals } from "./render-counter";

/**
 * A photo that finishes processing while its tile is on screen changes that tile once: the library's
 * patch waits for the drawn tiles' thumbnails to be decoded, and the tile takes the COMPLETED status
 * and its image in one render (not one render for the status, which shows nothing new, and one more
 * for the image). Processing is held back for real: the server runs without a worker (--role=web) on
 * PostgreSQL and Redis, and a worker process is started only once the tiles show "Processing…".
 * Counts of renders from React's own commits (render-counter.ts), never times.
 */

const LONG = { timeout: 120_000, interval: 250 };

describe("a photo finishing while its tile is drawn", () => {
  let web: ServerProcess | undefined;
  let worker: ServerProcess | undefined;
  let browser: Browser | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl = "";
  let dir = "";

  beforeAll(async () => {
    // Under CI=true these throw when the service is missing (services.ts): the test fails, never skips.
    if (!(await postgresAvailable()) || !(await redisAvailable())) return;
    await prepareWebBuild();
    const db = await createTempPostgresDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
    dir = await mkdtemp(path.join(tmpdir(), "rapidphoto-thumbnail-arrival-"));
    web = await startServerProcess({ env: { DATABASE_URL: db.url, REDIS_URL: REDIS_TEST_URL }, argv: ["--role=web"] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await worker?.stop();
    await browser?.close();
    await web?.stop();
    await dropDatabase?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders its tile once more: status and thumbnail together", async ({ skip }) => {
    if (!web || !browser) skip();
    const server = web as ServerProcess;
    const context = await newContext({ browser: browser as Browser, server });
    await context.addInitScript({ content: RENDER_COUNTER_SCRIPT });
    const page = await context.newPage();
    await signUpThroughUi(page, "thumbnail-arrival");
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = path.join(dir, `arrival-${i}.jpg`);
      await writeFile(file, await makeTestJpeg({ width: 320, height: 240 }));
      files.push(file);
    }
    await page.getByTestId("photo-picker-input").setInputFiles(files);
    const tiles = (status: string) => page.locator(`[data-testid="photo-tile"][data-status="${status}"]`);
    await expect.poll(() => tiles("PROCESSING").count(), LONG).toBe(3);

    const from = Date.now();
    // The same database, Redis and object store as the web instance: it processes their photos.
    worker = await startServerProcess({
      env: { DATABASE_URL: databaseUrl, REDIS_URL: REDIS_TEST_URL, DATA_DIR: server.dataDir },
      argv: ["--role=worker"],
    });
    await expect
      .poll(() => page.locator('[data-testid="photo-tile"][data-status="COMPLETED"] img').count(), LONG)
      .toBe(3);
    // Every image shown is decoded: none waits on the network or the decoder after its tile changed.
    await expect
      .poll(
        () =>
          page.$$eval('[data-testid="photo-tile"] img', (imgs) =>
            imgs.every((img) => (img as HTMLImageElement).complete),
          ),
        LONG,
      )
      .toBe(true);

    const commits = await readCommits(page, from);
    const again = [...totals(commits, "keyed")].filter(([key]) => key.startsWith("photo-tile@"));
    expect(again.length, JSON.stringify([...totals(commits, "why")])).toBe(3);
    for (const [key, renders] of again) expect(renders, key).toBe(1);
    await context.close();
  });
});
