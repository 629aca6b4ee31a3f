import { deflateSync } from "node:zlib";

// A minimal baseline TIFF writer (Deflate RGB, one strip) that can also carry an EXIF IFD,
// which libvips' TIFF writer never writes. Little-endian; tags sorted as TIFF 6.0 requires.

type Entry = { tag: number; type: "SHORT" | "LONG" | "ASCII"; value: number | number[] | string };

const TYPE = { SHORT: { id: 3, size: 2 }, LONG: { id: 4, size: 4 }, ASCII: { id: 2, size: 1 } } as const;
const EXIF_IFD_POINTER = 0x8769;

export type TiffTags = { Make?: string; Model?: string; Orientation?: number };
export type ExifTags = { DateTimeOriginal?: string; OffsetTimeOriginal?: string };

/** `pixels` is packed 8-bit RGB, `width` × `height`. */
export function writeTiff(pixels: Buffer, width: number, height: number, tags: TiffTags, exif: ExifTags): Buffer {
  const strip = deflateSync(pixels);
  const ifd0: Entry[] = [
    { tag: 256, type: "LONG", value: width },
    { tag: 257, type: "LONG", value: height },
    { tag: 258, type: "SHORT", value: [8, 8, 8] },
    { tag: 259, type: "SHORT", value: 8 }, // Deflate (zlib): flat fixtures shrink to almost nothing
    { tag: 262, type: "SHORT", value: 2 }, // RGB
    ...(tags.Make ? [{ tag: 271, type: "ASCII", value: tags.Make } as const] : []),
    ...(tags.Model ? [{ tag: 272, type: "ASCII", value: tags.Model } as const] : []),
    { tag: 273, type: "LONG", value: 0 }, // strip offset, patched below
    ...(tags.Orientation ? [{ tag: 274, type: "SHORT", value: tags.Orientation } as const] : []),
    { tag: 277, type: "SHORT", value: 3 },
    { tag: 278, type: "LONG", value: height },
    { tag: 279, type: "LONG", value: strip.length },
    { tag: 284, type: "SHORT", value: 1 }, // chunky
    { tag: EXIF_IFD_POINTER, type: "LONG", value: 0 }, // patched below
  ];
  const exifIfd: Entry[] = [
    ...(exif.DateTimeOriginal ? [{ tag: 0x9003, type: "ASCII", value: exif.DateTimeOriginal } as const] : []),
    ...(exif.OffsetTimeOriginal ? [{ tag: 0x9011, type: "ASCII", value: exif.OffsetTimeOriginal } as const] : []),
  ];

  // Layout: header (8), IFD0 and its out-of-line values, EXIF IFD and its values, then the pixels.
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0);
  const pixelsAt = exifAt + ifdSize(exifIfd);
  set(ifd0, 273, pixelsAt);
  set(ifd0, EXIF_IFD_POINTER, exifAt);

  const header = Buffer.from([0x49, 0x49, 42, 0, ifd0At, 0, 0, 0]);
  return Buffer.concat([header, encodeIfd(ifd0, ifd0At), encodeIfd(exifIfd, exifAt), strip]);
}

function set(entries: Entry[], tag: number, value: number) {
  const entry = entries.find((e) => e.tag === tag);
  if (entry) entry.value = value;
}

function valueBytes(entry: Entry): Buffer {
  if (entry.type === "ASCII") return Buffer.from(`${entry.value}\0`, "latin1");
  const values = Array.isArray(entry.value) ? entry.value : [entry.value as number];
  const size = TYPE[entry.type].size;
  const bytes = Buffer.alloc(values.length * size);
  for (const [i, v] of values.entries()) {
    if (size === 2) bytes.writeUInt16LE(v, i * 2);
    else bytes.writeUInt32LE(v, i * 4);
  }
  return bytes;
}

function ifdSize(entries: Entry[]): number {
  const outOfLine = entries.map(valueBytes).filter((b) => b.length > 4);
  return 2 + entries.length * 12 + 4 + outOfLine.reduce((sum, b) => sum + b.length + (b.length % 2), 0);
}

function encodeIfd(entries: Entry[], at: number): Buffer {
  const table = Buffer.alloc(2 + entries.length * 12 + 4);
  table.writeUInt16LE(entries.length, 0);
  const extra: Buffer[] = [];
  let extraAt = at + table.length;
  entries.forEach((entry, i) => {
    const bytes = valueBytes(entry);
    const o = 2 + i * 12;
    table.writeUInt16LE(entry.tag, o);
    table.writeUInt16LE(TYPE[entry.type].id, o + 2);
    table.writeUInt32LE(bytes.length / TYPE[entry.type].size, o + 4);
    if (bytes.length <= 4) {
      bytes.copy(table, o + 8);
    } else {
      table.writeUInt32LE(extraAt, o + 8);
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes; // word-aligned
      extra.push(padded);
      extraAt += padded.length;
    }
  });
  // next-IFD offset stays 0: one image
  return Buffer.concat([table, ...extra]);
}
