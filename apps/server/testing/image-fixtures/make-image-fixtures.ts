// Makes the committed image fixtures in ./files (see catalogue.ts for what each one is).
// Run: node --import tsx apps/server/testing/image-fixtures/make-image-fixtures.ts
// Needs heif-enc (Debian: libheif-examples, whose libheif has the x265 encoder) for the HEIC/HEIF
// files; everything else is sharp and the hand-written TIFF writer.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { BROKEN_HEVC_HEIC, CORRUPT_HEIC, FIXTURE_EXIF, IMAGE_FIXTURES } from "./catalogue.js";
import { addRotation, setMajorBrand, setPrimaryItem } from "./heif-boxes.js";
import { writeTiff } from "./tiff-writer.js";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "files");
const work = mkdtempSync(path.join(tmpdir(), "image-fixtures-"));
const WIDTH = 600;
const HEIGHT = 400;
const ORIENTATION_CW_90 = 6;
const IROT_CW_90 = 3; // irot turns anti-clockwise: three quarter turns

type Rgb = [number, number, number];
const COLOURS = { red: [220, 30, 30], green: [30, 200, 60], blue: [30, 60, 220], white: [250, 250, 250] } as const;

/** The scene: four flat quadrants (flat colours survive every codec, so tests can check corners). */
function scene(width: number, height: number, quadrants: [Rgb, Rgb, Rgb, Rgb], alpha = false): sharp.Sharp {
  const channels = alpha ? 4 : 3;
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = quadrants[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]!;
      const i = (y * width + x) * channels;
      pixels.set(q, i);
      if (alpha) pixels[i + 3] = x < width / 2 ? 255 : 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels } });
}

const photo = (alpha = false) =>
  scene(WIDTH, HEIGHT, [COLOURS.red, COLOURS.green, COLOURS.blue, COLOURS.white] as [Rgb, Rgb, Rgb, Rgb], alpha);
const sharpExif = {
  IFD0: { Make: FIXTURE_EXIF.Make, Model: FIXTURE_EXIF.Model },
  IFD2: { DateTimeOriginal: FIXTURE_EXIF.DateTimeOriginal, OffsetTimeOriginal: FIXTURE_EXIF.OffsetTimeOriginal },
};

function save(file: string, bytes: Buffer) {
  writeFileSync(path.join(out, file), bytes);
  console.log(`${file}: ${bytes.length} bytes`);
}

function heifEnc(inputs: string[], extra: string[] = []): Buffer {
  const output = path.join(work, "out.heic");
  execFileSync("heif-enc", ["--quality", "60", ...extra, "-o", output, ...inputs], { stdio: "ignore" });
  return readFileSync(output);
}

async function main() {
  const F = IMAGE_FIXTURES;
  const rotatedJpeg = await photo()
    .jpeg({ quality: 90 })
    .withExif(sharpExif)
    .withMetadata({ orientation: ORIENTATION_CW_90 })
    .toBuffer();
  save(F.jpeg.file, rotatedJpeg);
  save(F.png.file, await photo().png().withExif(sharpExif).toBuffer());
  save(F.gif.file, await photo().gif().toBuffer());
  save(F.webp.file, await photo().webp({ quality: 80 }).withExif(sharpExif).toBuffer());
  save(F.avif.file, await photo().avif({ quality: 50 }).withExif(sharpExif).toBuffer());
  const { data, info } = await photo().raw().toBuffer({ resolveWithObject: true });
  save(
    F.tiff.file,
    writeTiff(
      data,
      info.width,
      info.height,
      { Make: FIXTURE_EXIF.Make, Model: FIXTURE_EXIF.Model, Orientation: ORIENTATION_CW_90 },
      { DateTimeOriginal: FIXTURE_EXIF.DateTimeOriginal, OffsetTimeOriginal: FIXTURE_EXIF.OffsetTimeOriginal },
    ),
  );

  // heif-enc copies the JPEG's EXIF (Orientation 6 included) but, in 1.15, writes no irot; an
  // iPhone stores the pixels unturned, turns them with irot and keeps Orientation 6 in EXIF.
  const jpegPath = path.join(work, "photo.jpg");
  writeFileSync(jpegPath, rotatedJpeg);
  const heic = addRotation(heifEnc([jpegPath]), 1, IROT_CW_90);
  save(F.heic.file, heic);

  const alphaPng = path.join(work, "alpha.png");
  writeFileSync(alphaPng, await photo(true).png().toBuffer());
  save(F.heif.file, setMajorBrand(heifEnc([alphaPng]), "mif1"));

  const first = path.join(work, "first.png");
  const second = path.join(work, "second.png");
  writeFileSync(first, await photo().png().toBuffer());
  const g = COLOURS.green as unknown as Rgb;
  writeFileSync(second, await scene(300, 200, [g, g, g, g]).png().toBuffer());
  save(F.burst.file, setPrimaryItem(heifEnc([first, second]), 2));

  // Cut in the middle of the image data (mdat comes last): the headers still parse.
  save(CORRUPT_HEIC, heic.subarray(0, heic.length - Math.floor((heic.length - heic.indexOf("mdat")) / 2)));
  // Same length, mdat's payload replaced by a fixed pseudo-random pattern.
  const broken = Buffer.from(heic);
  for (let i = heic.indexOf("mdat") + 4; i < broken.length; i++) broken[i] = (i * 7919) & 0xff;
  save(BROKEN_HEVC_HEIC, broken);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
