import { afterEach, describe, expect, it } from "vitest";
import { BROKEN_HEVC_HEIC, CORRUPT_HEIC, IMAGE_FIXTURES, readFixture } from "../../testing/image-fixtures/catalogue.js";
import { HeicDecodeError, HeicDecoder } from "./heic-decoder.js";

const decoders: HeicDecoder[] = [];
function decoder(options: { maxPixels?: number; recycleHeapBytes?: number } = {}) {
  const d = new HeicDecoder({ maxPixels: 0x3fff * 0x3fff, ...options });
  decoders.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(decoders.splice(0).map((d) => d.close()));
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (err: unknown) => err,
  );
}

describe("HeicDecoder", () => {
  it("decodes the primary image with the file's rotation applied, as packed RGB", async () => {
    const { width, height, channels, pixels } = await decoder().decode(await readFixture(IMAGE_FIXTURES.heic.file));

    expect([width, height, channels, pixels.length]).toEqual([400, 600, 3, 400 * 600 * 3]);
    // Stored with red at the top left, turned 90° clockwise by irot: blue comes to the top left.
    expect(pixels[2]! - pixels[0]!).toBeGreaterThan(100);
  });

  it("keeps an alpha channel", async () => {
    const { channels, pixels } = await decoder().decode(await readFixture(IMAGE_FIXTURES.heif.file));

    expect(channels).toBe(4);
    expect(pixels[3]).toBe(255); // left half opaque
    expect(pixels[(600 - 1) * 4 + 3]).toBeLessThan(200); // right half translucent
  });

  it("decodes the image pitm names as primary, not the first one stored", async () => {
    const { width, height } = await decoder().decode(await readFixture(IMAGE_FIXTURES.burst.file));
    expect([width, height]).toEqual([300, 200]);
  });

  it.each([
    ["a cut-off file", () => readFixture(CORRUPT_HEIC)],
    ["HEVC data the decoder cannot read", () => readFixture(BROKEN_HEVC_HEIC)],
    ["bytes that are no HEIF at all", async () => Buffer.from("not a photo at all".repeat(20))],
  ])("refuses %s as corrupt", async (_, bytesOf) => {
    const err = await rejection(decoder().decode(await bytesOf()));

    expect(err).toBeInstanceOf(HeicDecodeError);
    expect(err).toMatchObject({ code: "corrupt" });
  });

  it("refuses an image over the pixel cap before decoding it", async () => {
    const err = await rejection(decoder({ maxPixels: 1000 }).decode(await readFixture(IMAGE_FIXTURES.heic.file)));
    expect(err).toMatchObject({ code: "too-many-pixels" });
  });

  it("keeps one worker while its heap stays small, and replaces it once the heap passes the limit", async () => {
    const bytes = await readFixture(IMAGE_FIXTURES.heic.file);
    const small = decoder();
    await small.decode(bytes);
    await small.decode(bytes);
    expect(small.workersStarted).toBe(1);

    const recycling = decoder({ recycleHeapBytes: 1 }); // every heap is over 1 byte
    await recycling.decode(bytes);
    await recycling.decode(bytes);
    expect(recycling.workersStarted).toBe(2);
  });

  it("decodes photos handed in together one after another, each getting its own answer", async () => {
    const d = decoder();
    const files = [IMAGE_FIXTURES.heic, IMAGE_FIXTURES.burst, IMAGE_FIXTURES.heif];
    const results = await Promise.all(files.map(async (f) => d.decode(await readFixture(f.file))));

    expect(results.map((r) => [r.width, r.height])).toEqual(files.map((f) => [f.width, f.height]));
    expect(d.workersStarted).toBe(1);
  });

  it("stops a decode when aborted, and the next decode gets a fresh worker", async () => {
    const d = decoder();
    const bytes = await readFixture(IMAGE_FIXTURES.heic.file);
    const controller = new AbortController();
    const reason = new Error("shutting down");

    const decoding = d.decode(bytes, controller.signal);
    await new Promise((resolve) => setImmediate(resolve)); // handed to the worker, which is still loading libheif
    controller.abort(reason);

    expect(await rejection(decoding)).toBe(reason);
    expect((await d.decode(bytes)).width).toBe(400);
    expect(d.workersStarted).toBe(2);
  });

  it("reports a worker that dies mid-decode as a crash, and recovers", async () => {
    const d = decoder();
    const bytes = await readFixture(IMAGE_FIXTURES.heic.file);

    const decoding = d.decode(bytes);
    await new Promise((resolve) => setImmediate(resolve)); // handed to the worker, which is still loading libheif
    await d.close(); // terminates it under the running decode

    expect(await rejection(decoding)).toMatchObject({ code: "crashed" });
    expect((await d.decode(bytes)).height).toBe(600);
  });
});
