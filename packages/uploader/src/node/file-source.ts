import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { mimeFromName, type UploadSource } from "../source.js";

/**
 * A file on disk as an upload source. Each slice opens, reads and closes the file, so thousands of
 * queued files hold no descriptors and no memory; only the parts in flight are read.
 */
export async function fileSource(path: string, meta: { name?: string; type?: string } = {}): Promise<UploadSource> {
  const { size } = await stat(path);
  const name = meta.name ?? basename(path);
  return {
    name,
    type: meta.type ?? mimeFromName(name),
    size,
    slice: (start, end) => readRange(path, start, end),
  };
}

async function readRange(path: string, start: number, end: number): Promise<Uint8Array> {
  const length = Math.max(0, end - start);
  const buffer = Buffer.allocUnsafe(length);
  const handle = await open(path, "r");
  try {
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) throw new Error(`${path} is shorter than expected (changed while uploading?).`);
      read += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}
