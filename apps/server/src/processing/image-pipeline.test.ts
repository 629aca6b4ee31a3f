import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { BROKEN_HEVC_HEIC, CORRUPT_HEIC, IMAGE_FIXTURES, readFixture } from "../../testing/image-fixtures/catalogue.js";
import {
  configureSharp,
  createHeicDecoder,
  type ProcessedImage,
  ProcessingError,
  processImage,
} from "./image-pipeline.js";

const CHUNK = 64 * 1024; // what fs and S3 streams typically deliver

/** A byte stream of `bytes`, delivered in chunks; `pulled` counts chunks the consumer asked for. */
function storedObject(bytes: Buffer) {
  const state = { pulled: 0, stream: null as Readable | null };
  function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += CHUNK) {
      state.pulled++;
      yield bytes.subarray(offset, offset + CHUNK);
    }
  }
  const read = async () => {
    state.stream = Readable.from(chunks(), { objectMode: false });
    return state.stream;
  };
  return { read, state };
}

const heic = createHeicDecoder();

function processBytes(bytes: Buffer, overrides: { expectedBytes?: number; signal?: AbortSignal } = {}) {
  return processImage({ read: storedObject(bytes).read, expectedBytes: bytes.length, heic, ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (err: unknown) => err,
  );
}

async function expectThumbnails(result: ProcessedImage, small: [number, number], large: [number, number]) {
  for (const [name, size] of [
    ["small", small],
    ["large", large],
  ] as const) {
    const meta = await sharp(result.thumbnails[name]).metadata();
    expect([meta.format, meta.width, meta.height], name).toEqual(["webp", ...size]);
  }
}

/** Names the colour of a thumbnail's top-left pixel among the fixtures' quadrant colours. */
async function topLeftColour(webp: Buffer): Promise<string> {
  const { data } = await sharp(webp)
    .extract({ left: 2, top: 2, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const [r, g, b] = [data[0]!, data[1]!, data[2]!];
  if (r > 150 && g < 100 && b < 100) return "red";
  if (g > 150 && r < 100 && b < 100) return "green";
  if (b > 150 && r < 100 && g < 100) return "blue";
  return `rgb(${r}, ${g}, ${b})`;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A smooth test card: cheap to encode in every format (noise makes GIF quantisation crawl). */
function testCard(width: number, height: number, channels: 3 | 4) {
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128;
      if (channels === 4) pixels[i + 3] = x < width / 2 ? 255 : 64;
    }
  }
  return sharp(pixels, { raw: { width, height, channels } });
}

beforeAll(() => configureSharp());
afterAll(() => heic.close());

describe("processImage", () => {
  it.each([
    ["jpeg", () => testCard(600, 400, 3).jpeg()],
    ["png", () => testCard(600, 400, 4).png()], // with alpha
    ["webp", () => testCard(600, 400, 3).webp()],
    ["gif", () => testCard(600, 400, 3).gif()],
    ["tiff", () => testCard(600, 400, 3).tiff()],
  ])("hashes, measures and thumbnails a %s", async (_, encode) => {
    const bytes = await encode().toBuffer();

    const result = await processBytes(bytes);

    expect(result).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length, width: 600, height: 400 });
    expect(result.exif).toBeNull();
    expect(result.takenAt).toBeNull();
    await expectThumbnails(result, [256, 171], [600, 400]); // the large one is never enlarged
  });

  describe.each(Object.entries(IMAGE_FIXTURES))("the %s fixture", (_, fixture) => {
    it("is recorded as what its bytes are, upright, with its EXIF and thumbnails", async () => {
      const bytes = await readFixture(fixture.file);

      const result = await processBytes(bytes);

      expect(result).toMatchObject({
        sha256: sha256(bytes),
        mimeType: fixture.realType,
        width: fixture.width,
        height: fixture.height,
        takenAt: fixture.exif ? new Date(fixture.exif.takenAt) : null,
      });
      if (fixture.exif) expect(result.exif).toMatchObject({ Make: fixture.exif.Make, Model: fixture.exif.Model });
      else expect(result.exif).toBeNull();
      const portrait = fixture.height > fixture.width;
      await expectThumbnails(result, portrait ? [171, 256] : [256, 171], [fixture.width, fixture.height]);
      expect(await topLeftColour(result.thumbnails.small)).toBe(fixture.topLeft);
    });
  });

  it("judges a file by its bytes, not by its name or declared type", async () => {
    // A PNG renamed .jpg: the pipeline is never told the declared type, only the worker records the real one.
    const result = await processBytes(await readFixture(IMAGE_FIXTURES.png.file));
    expect(result.mimeType).toBe("image/png");
  });

  it("keeps an alpha channel in the thumbnails", async () => {
    const result = await processBytes(await testCard(300, 300, 4).png().toBuffer());
    expect((await sharp(result.thumbnails.small).metadata()).hasAlpha).toBe(true);
  });

  it.each([
    ["a 16-bit PNG", (image: sharp.Sharp) => image.toColourspace("rgb16").png()],
    ["a CMYK JPEG", (image: sharp.Sharp) => image.toColourspace("cmyk").jpeg()],
  ])("renders %s in the colours sharp itself would", async (_, encode) => {
    const bytes = await encode(
      sharp({ create: { width: 300, height: 200, channels: 3, background: "#336699" } }),
    ).toBuffer();
    const firstPixel = async (image: Buffer) => [...(await sharp(image).raw().toBuffer()).subarray(0, 3)];
    // Reference: sharp's own conversion of this file to 8-bit sRGB (lossless WebP).
    const expected = await firstPixel(await sharp(bytes).webp({ lossless: true }).toBuffer());

    const result = await processBytes(bytes);

    const actual = await firstPixel(result.thumbnails.small);
    actual.forEach((value, channel) => {
      expect(Math.abs(value - expected[channel]!)).toBeLessThan(6);
    });
  });

  it("applies EXIF orientation to dimensions and thumbnails", async () => {
    // Stored 1200×800, displayed rotated 90° clockwise: a portrait photo.
    const bytes = await makeTestJpeg({ width: 1200, height: 800, orientation: 6 });

    const result = await processBytes(bytes);

    expect([result.width, result.height]).toEqual([800, 1200]);
    expect(result.exif?.Orientation).toBe(6);
    await expectThumbnails(result, [171, 256], [683, 1024]);
  });

  it("reads EXIF and the time the photo was taken", async () => {
    const bytes = await makeTestJpeg({
      width: 640,
      height: 480,
      exif: {
        IFD0: { Make: "FUJIFILM", Model: "X-T5" },
        IFD2: { DateTimeOriginal: "2024:07:14 18:30:00", ISOSpeedRatings: "160", FNumber: "56/10" },
      },
    });

    const result = await processBytes(bytes);

    expect(result.exif).toMatchObject({
      Make: "FUJIFILM",
      Model: "X-T5",
      ISO: 160,
      FNumber: 5.6,
      DateTimeOriginal: "2024-07-14T18:30:00",
    });
    expect(result.takenAt).toEqual(new Date("2024-07-14T18:30:00Z"));
  });

  it("does not fail a photo whose EXIF is garbage", async () => {
    const jpeg = await testCard(320, 240, 3).jpeg().toBuffer();
    const payload = Buffer.concat([Buffer.from("Exif\0\0II*\0", "latin1"), randomBytes(200)]);
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(payload.length + 2, 2);
    const bytes = Buffer.concat([jpeg.subarray(0, 2), app1, payload, jpeg.subarray(2)]);

    const result = await processBytes(bytes);

    expect([result.width, result.height, result.sha256]).toEqual([320, 240, sha256(bytes)]);
    expect(result.takenAt).toBeNull();
  });

  it("handles a 24-megapixel photo", async () => {
    const bytes = await makeTestJpeg({ width: 6000, height: 4000, targetBytes: 8_000_000 });

    const result = await processBytes(bytes);

    expect(result).toMatchObject({ sha256: sha256(bytes), bytes: 8_000_000, width: 6000, height: 4000 });
    await expectThumbnails(result, [256, 171], [1024, 683]);
  });

  describe("files that are not images fail permanently, in words the uploader understands", () => {
    it.each([
      ["random bytes", async () => randomBytes(50_000), "it is not in an image format we recognise"],
      [
        "a text file renamed .jpg",
        async () => Buffer.from("Dear diary, today I took no photos.\n".repeat(50)),
        "recognise",
      ],
      [
        "a truncated JPEG",
        async () => (await makeTestJpeg({ width: 800, height: 600 })).subarray(0, 40_000),
        "incomplete",
      ],
      ["an empty file", async () => Buffer.alloc(0), "empty"],
    ])("%s", async (_, bytesOf, reason) => {
      const err = await rejection(processBytes(await bytesOf()));

      expect(err).toBeInstanceOf(ProcessingError);
      expect(err).toMatchObject({
        permanent: true,
        message: expect.stringContaining("This file is not a readable image ("),
      });
      expect((err as Error).message).toContain(reason);
    });

    it("refuses a decompression bomb before decoding it", async () => {
      // A valid 16×16 PNG whose header claims 20000×20000 (400 MP, over the 268 MP cap).
      const png = await testCard(16, 16, 3).png().toBuffer();
      const IHDR = 12; // offset of the chunk type after the 8-byte signature and 4-byte length
      png.writeUInt32BE(20_000, IHDR + 4);
      png.writeUInt32BE(20_000, IHDR + 8);
      png.writeUInt32BE(crc32(png.subarray(IHDR, IHDR + 17)), IHDR + 17);

      const err = await rejection(processBytes(png));

      expect(err).toMatchObject({
        permanent: true,
        message: expect.stringContaining("more pixels than we can process"),
      });
    });

    it("names what a file is when it is something other than an image we take", async () => {
      const pdf = Buffer.from("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".repeat(20));

      const err = await rejection(processBytes(pdf));

      expect(err).toMatchObject({
        permanent: true,
        message: expect.stringContaining("it is a PDF file; we take JPEG"),
      });
    });

    it("fails a HEIC whose headers read but whose HEVC data does not decode", async () => {
      const err = await rejection(processBytes(await readFixture(BROKEN_HEVC_HEIC)));

      expect(err).toBeInstanceOf(ProcessingError);
      expect(err).toMatchObject({
        permanent: true,
        message: "This file is not a readable image (the HEIC image data is corrupt or incomplete).",
      });
    });

    it("fails a HEIC whose image data is cut off", async () => {
      const err = await rejection(processBytes(await readFixture(CORRUPT_HEIC)));

      expect(err).toBeInstanceOf(ProcessingError);
      expect(err).toMatchObject({
        permanent: true,
        message: "This file is not a readable image (the file is incomplete).",
      });
    });
  });

  describe("storage", () => {
    it("fails transiently when the stream breaks mid-way", async () => {
      const bytes = await makeTestJpeg({ width: 800, height: 600 });
      const cause = new Error("read ECONNRESET");
      const read = async () =>
        new Readable({
          read() {
            this.push(bytes.subarray(0, 10_000));
            this.destroy(cause);
          },
        });

      const err = await rejection(processImage({ read, expectedBytes: bytes.length, heic }));

      expect(err).toBeInstanceOf(ProcessingError);
      expect(err).toMatchObject({ permanent: false, cause });
    });

    it("fails transiently when the object cannot be opened", async () => {
      const cause = new Error("connect ECONNREFUSED");
      const read = () => Promise.reject(cause);

      const err = await rejection(processImage({ read, expectedBytes: 10, heic }));

      expect(err).toMatchObject({ permanent: false, cause });
    });

    it("fails permanently when the object is shorter than the upload declared", async () => {
      const bytes = await makeTestJpeg({ width: 400, height: 300 });

      const err = await rejection(processBytes(bytes, { expectedBytes: bytes.length + 1 }));

      expect(err).toBeInstanceOf(ProcessingError);
      expect(err).toMatchObject({ permanent: true, message: expect.stringContaining("does not match the upload") });
    });

    it("stops reading as soon as the object is longer than declared", async () => {
      const bytes = await makeTestJpeg({ width: 2000, height: 1500, targetBytes: 2_000_000 });
      const object = storedObject(bytes);

      const err = await rejection(processImage({ read: object.read, expectedBytes: 100_000, heic }));

      expect(err).toMatchObject({ permanent: true, message: expect.stringContaining("more than 100000") });
      expect(object.state.pulled).toBeLessThan(bytes.length / CHUNK / 2);
      expect(object.state.stream?.destroyed).toBe(true);
    });
  });

  describe("abort", () => {
    it("stops reading and rejects with the signal's reason", async () => {
      const controller = new AbortController();
      const reason = new Error("worker shutting down");
      // A slow object: one chunk, then nothing until aborted.
      let sent = false;
      const source = new Readable({
        read() {
          if (sent) return;
          sent = true;
          this.push(Buffer.alloc(CHUNK));
          setImmediate(() => controller.abort(reason));
        },
      });

      const err = await rejection(
        processImage({
          read: async () => source,
          expectedBytes: 10 * CHUNK,
          heic,
          signal: controller.signal,
        }),
      );

      expect(err).toBe(reason);
      expect(source.destroyed).toBe(true);
    });

    it("does not open the object when already aborted", async () => {
      let opened = false;
      const read = async () => {
        opened = true;
        return Readable.from([]);
      };

      const err = await rejection(
        processImage({ read, expectedBytes: 0, heic, signal: AbortSignal.abort(new Error("stop")) }),
      );

      expect(err).toMatchObject({ message: "stop" });
      expect(opened).toBe(false);
    });
  });
});
