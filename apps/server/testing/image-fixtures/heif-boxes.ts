// Small edits to a HEIF file's boxes (ISO/IEC 14496-12 and 23008-12), for making fixtures that
// heif-enc 1.15 cannot write directly: a rotation (irot) like an iPhone's, another primary item,
// another major brand. Only what heif-enc writes is handled: one top-level meta box before mdat,
// iloc version 0-1 with construction method 0.

type Box = { type: string; start: number; size: number; headerSize: number };

function children(file: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let offset = start; offset < end; ) {
    const size = file.readUInt32BE(offset);
    const type = file.toString("latin1", offset + 4, offset + 8);
    if (size < 8) throw new Error(`box ${type} at ${offset}: sizes 0 and 1 are not handled`);
    boxes.push({ type, start: offset, size, headerSize: 8 });
    offset += size;
  }
  return boxes;
}

function find(boxes: Box[], type: string): Box {
  const box = boxes.find((b) => b.type === type);
  if (!box) throw new Error(`no ${type} box`);
  return box;
}

function inside(file: Buffer, box: Box, fullBox = false): Box[] {
  const start = box.start + box.headerSize + (fullBox ? 4 : 0);
  return children(file, start, box.start + box.size);
}

function box(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, payload]);
}

/** Replaces the major brand in ftyp (e.g. "mif1": a generic HEIF rather than "heic"). */
export function setMajorBrand(file: Buffer, brand: string): Buffer {
  const ftyp = find(children(file, 0, file.length), "ftyp");
  const copy = Buffer.from(file);
  copy.write(brand.padEnd(4, " "), ftyp.start + 8, "latin1");
  return copy;
}

/** Points pitm at another item, so the primary image is not the first one listed. */
export function setPrimaryItem(file: Buffer, itemId: number): Buffer {
  const meta = find(children(file, 0, file.length), "meta");
  const pitm = find(inside(file, meta, true), "pitm");
  if (file[pitm.start + 8] !== 0) throw new Error("pitm version 1 is not handled");
  const copy = Buffer.from(file);
  copy.writeUInt16BE(itemId, pitm.start + 12);
  return copy;
}

/**
 * Adds an irot property (rotation anti-clockwise by `quarterTurns` × 90°) to `itemId` and marks it
 * essential, as the spec requires of transformative properties. The meta box grows, so every file
 * offset in iloc that points past it (into mdat) moves by the same amount.
 */
export function addRotation(file: Buffer, itemId: number, quarterTurns: 1 | 2 | 3): Buffer {
  const top = children(file, 0, file.length);
  const meta = find(top, "meta");
  const metaChildren = inside(file, meta, true);
  const iprp = find(metaChildren, "iprp");
  const iprpChildren = inside(file, iprp);
  const [ipco, ipma] = [find(iprpChildren, "ipco"), find(iprpChildren, "ipma")];

  const propertyIndex = inside(file, ipco).length + 1; // 1-based
  const newIpco = Buffer.concat([
    file.subarray(ipco.start, ipco.start + ipco.size),
    box("irot", Buffer.from([quarterTurns])),
  ]);
  newIpco.writeUInt32BE(newIpco.length, 0);
  const newIpma = withAssociation(file.subarray(ipma.start, ipma.start + ipma.size), itemId, propertyIndex);

  const iprpParts = iprpChildren.map((b) =>
    b === ipco ? newIpco : b === ipma ? newIpma : file.subarray(b.start, b.start + b.size),
  );
  const newIprp = box("iprp", Buffer.concat(iprpParts));
  const grownBy = newIprp.length - iprp.size;

  const metaParts = metaChildren.map((b) => {
    if (b === iprp) return newIprp;
    const bytes = Buffer.from(file.subarray(b.start, b.start + b.size));
    return b.type === "iloc" ? shiftIloc(bytes, meta.start + meta.size, grownBy) : bytes;
  });
  const metaHeader = Buffer.from(file.subarray(meta.start, meta.start + meta.headerSize + 4));
  const newMeta = Buffer.concat([metaHeader, ...metaParts]);
  newMeta.writeUInt32BE(newMeta.length, 0);

  return Buffer.concat(top.map((b) => (b === meta ? newMeta : file.subarray(b.start, b.start + b.size))));
}

function withAssociation(ipma: Buffer, itemId: number, propertyIndex: number): Buffer {
  const version = ipma[8]!;
  const wideIndex = (ipma.readUInt32BE(8) & 1) === 1;
  const idSize = version < 1 ? 2 : 4;
  const entry = Buffer.alloc(wideIndex ? 2 : 1);
  if (wideIndex) entry.writeUInt16BE(0x8000 | propertyIndex);
  else entry.writeUInt8(0x80 | propertyIndex);

  let offset = 16; // header (8), version+flags (4), entry_count (4)
  const count = ipma.readUInt32BE(12);
  for (let i = 0; i < count; i++) {
    const id = idSize === 2 ? ipma.readUInt16BE(offset) : ipma.readUInt32BE(offset);
    const associations = ipma[offset + idSize]!;
    const end = offset + idSize + 1 + associations * entry.length;
    if (id === itemId) {
      const grown = Buffer.concat([ipma.subarray(0, end), entry, ipma.subarray(end)]);
      grown[offset + idSize] = associations + 1;
      grown.writeUInt32BE(grown.length, 0);
      return grown;
    }
    offset = end;
  }
  throw new Error(`item ${itemId} has no ipma entry`);
}

function shiftIloc(iloc: Buffer, after: number, by: number): Buffer {
  const version = iloc[8]!;
  if (version > 1) throw new Error("iloc version 2 is not handled");
  const offsetSize = iloc[12]! >> 4;
  const lengthSize = iloc[12]! & 0xf;
  const baseOffsetSize = iloc[13]! >> 4;
  const indexSize = version === 1 ? iloc[13]! & 0xf : 0;
  const read = (at: number, size: number) =>
    size === 0 ? 0 : size === 4 ? iloc.readUInt32BE(at) : Number(iloc.readBigUInt64BE(at));
  const write = (at: number, size: number, value: number) =>
    size === 4 ? iloc.writeUInt32BE(value, at) : iloc.writeBigUInt64BE(BigInt(value), at);

  let offset = 16;
  const count = iloc.readUInt16BE(14);
  for (let i = 0; i < count; i++) {
    offset += 2; // item_ID
    const method = version === 1 ? iloc.readUInt16BE(offset) & 0xf : 0;
    if (version === 1) offset += 2;
    offset += 2; // data_reference_index
    const baseAt = offset;
    const base = read(offset, baseOffsetSize);
    offset += baseOffsetSize;
    const extents = iloc.readUInt16BE(offset);
    offset += 2;
    if (method === 0 && base > 0 && base >= after) write(baseAt, baseOffsetSize, base + by);
    for (let e = 0; e < extents; e++) {
      offset += indexSize;
      const extentOffset = read(offset, offsetSize);
      if (method === 0 && base === 0 && extentOffset >= after) write(offset, offsetSize, extentOffset + by);
      offset += offsetSize + lengthSize;
    }
  }
  return iloc;
}
