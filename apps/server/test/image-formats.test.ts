import { createHash } from "node:crypto";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_HEVC_HEIC, CORRUPT_HEIC, IMAGE_FIXTURES, readFixture } from "../testing/image-fixtures/catalogue.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { uploadAndFinalize, waitForJob } from "./upload-client.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

type Upload = { filename: string; mimeType: string; bytes: Buffer };

/** Uploads files through their signed URLs as a browser would, waits for processing, returns each photo's detail. */
async function uploadAll(server: TestServer, token: string, uploads: Upload[]) {
  const files = uploads.map((u, i) => ({
    filename: u.filename,
    mimeType: u.mimeType,
    bytes: u.bytes.length,
    clientId: `c${i}`,
  }));
  const created = await server.api("POST", "/commands/upload-jobs", { token, body: { files } });
  expect(created.status).toBe(201);
  await Promise.all(
    created.body.items.map((item: any, i: number) => uploadAndFinalize(server, token, item, uploads[i]!.bytes)),
  );
  await waitForJob(server, token, created.body.jobId);
  return Promise.all(
    created.body.items.map(
      async (item: { photoId: string }) => (await server.api("GET", `/queries/photos/${item.photoId}`, { token })).body,
    ),
  );
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe("every accepted format, end to end", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ token } = await server.register());
  });
  afterAll(() => server?.close());

  it("uploads each format through signed URLs and completes it with its size, EXIF and WebP thumbnails", async () => {
    const fixtures = Object.values(IMAGE_FIXTURES);
    const sources = await Promise.all(fixtures.map((f) => readFixture(f.file)));
    const photos = await uploadAll(
      server,
      token,
      fixtures.map((f, i) => ({ filename: f.file, mimeType: f.mimeType, bytes: sources[i]! })),
    );

    for (const [i, fixture] of fixtures.entries()) {
      const photo = photos[i];
      const source = sources[i]!;
      expect(photo, fixture.file).toMatchObject({
        status: "COMPLETED",
        errorMessage: null,
        mimeType: fixture.realType,
        width: fixture.width,
        height: fixture.height,
        checksum: sha256(source),
        takenAt: fixture.exif ? fixture.exif.takenAt : null,
      });
      if (fixture.exif)
        expect(photo.exif, fixture.file).toMatchObject({ Make: fixture.exif.Make, Model: fixture.exif.Model });
      else expect(photo.exif, fixture.file).toBeNull();

      // Download gives the original bytes, whatever format.
      expect(sha256(await fetchBytes(photo.downloadUrl)), fixture.file).toBe(sha256(source));

      const longest = Math.max(fixture.width, fixture.height);
      for (const [url, box] of [
        [photo.thumbnails.small, 256],
        [photo.thumbnails.large, Math.min(1024, longest)], // never enlarged
      ] as const) {
        const meta = await sharp(await fetchBytes(url)).metadata();
        expect(meta.format, fixture.file).toBe("webp");
        expect(Math.max(meta.width ?? 0, meta.height ?? 0), fixture.file).toBe(box);
        expect((meta.height ?? 0) > (meta.width ?? 0), `${fixture.file} orientation`).toBe(
          fixture.height > fixture.width,
        );
      }
    }
  });

  it("judges a file by its bytes: a mislabelled photo completes as what it is, a non-photo fails in plain words", async () => {
    const [png, heic, corrupt, brokenHevc] = await Promise.all([
      readFixture(IMAGE_FIXTURES.png.file),
      readFixture(IMAGE_FIXTURES.heic.file),
      readFixture(CORRUPT_HEIC),
      readFixture(BROKEN_HEVC_HEIC),
    ]);
    const photos = await uploadAll(server, token, [
      { filename: "screenshot.jpg", mimeType: "image/jpeg", bytes: png },
      { filename: "IMG_0001.jpg", mimeType: "image/jpeg", bytes: heic },
      { filename: "notes.heic", mimeType: "image/heic", bytes: Buffer.from("Shopping list: eggs, milk.\n".repeat(40)) },
      { filename: "IMG_0002.heic", mimeType: "image/heic", bytes: corrupt },
      { filename: "IMG_0003.heic", mimeType: "image/heic", bytes: brokenHevc },
    ]);

    expect(photos[0]).toMatchObject({ status: "COMPLETED", mimeType: "image/png", width: 600, height: 400 });
    expect(photos[1]).toMatchObject({ status: "COMPLETED", mimeType: "image/heic", width: 400, height: 600 });
    expect(photos[2]).toMatchObject({
      status: "FAILED",
      mimeType: "image/heic", // what was declared stays: there is no real type to record
      errorMessage: "This file is not a readable image (it is not in an image format we recognise).",
      thumbnails: { small: null, large: null },
    });
    expect(photos[3]).toMatchObject({
      status: "FAILED",
      errorMessage: "This file is not a readable image (the file is incomplete).",
    });
    expect(photos[4]).toMatchObject({
      status: "FAILED",
      errorMessage: "This file is not a readable image (the HEIC image data is corrupt or incomplete).",
    });
  });
});
