import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { JobSummary, JobView, PhotoDetail } from "@rapidphoto/protocol";
import type { Page, Route } from "playwright-core";
import { expect } from "vitest";
import { type BrowserSuite, getJson } from "./harness";

/** What the resume tests share: holding a batch mid-way, and checking that it ended stored once. */

const LONG = { timeout: 150_000, interval: 250 };

/** Every photo of the user's active jobs, as the server sees them. */
export async function serverPhotos(suite: Pick<BrowserSuite, "server">, token: string): Promise<JobView["photos"]> {
  const api = <T>(url: string) => getJson<T>(suite.server, token, url);
  const { items } = await api<{ items: JobSummary[] }>("/queries/upload-jobs?active=true");
  const views = await Promise.all(items.map((job) => api<JobView>(`/queries/upload-jobs/${job.jobId}`)));
  return views.flatMap((view) => view.photos);
}

/** Lets the first storage PUTs through and holds every later one until the page goes. */
export async function holdUploadsAfter(count: number, target: Page): Promise<{ passed: () => number }> {
  let seen = 0;
  let passed = 0;
  await target.route("**/storage/**", async (route: Route) => {
    if (route.request().method() !== "PUT" || seen++ < count) {
      await route.continue();
      if (route.request().method() === "PUT") passed++;
      return;
    }
    // Held: never answered; the reload or close ends it.
  });
  return { passed: () => passed };
}

/**
 * Every photo COMPLETED exactly once on the server, with the original's exact bytes: `files` are
 * the paths of the originals on disk, named as they were uploaded.
 */
export async function expectAllStoredOnce(suite: Pick<BrowserSuite, "server">, token: string, files: string[]) {
  await expect
    .poll(async () => (await serverPhotos(suite, token)).filter((p) => p.status === "COMPLETED").length, LONG)
    .toBe(files.length);
  const photos = await serverPhotos(suite, token);
  // No duplicate, and nothing left unfinished or failed beside the completed ones.
  expect(photos.map((p) => p.filename).sort()).toEqual(files.map((f) => path.basename(f)).sort());
  const byName = new Map(files.map((f) => [path.basename(f), f]));
  for (const photo of photos) {
    const detail = await getJson<PhotoDetail>(suite.server, token, `/queries/photos/${photo.photoId}`);
    const local = await readFile(byName.get(photo.filename) as string);
    expect(detail.checksum, photo.filename).toBe(createHash("sha256").update(local).digest("hex"));
    const original = await fetch(new URL(detail.downloadUrl as string, suite.server.url));
    expect(
      createHash("sha256")
        .update(Buffer.from(await original.arrayBuffer()))
        .digest("hex"),
    ).toBe(detail.checksum);
  }
}
