import { MIME_BY_EXTENSION } from "@rapidphoto/protocol";
/**
 * What the engine uploads: a size, a name, a type, and byte ranges read on demand, so a 5 GiB
 * file is never in memory — only the parts in flight are. A browser `File` already has this shape
 * (its `slice` is lazy); in Node, `fileSource` from `@rapidphoto/uploader/node` reads a path.
 */
export interface UploadSource {
  readonly name: string;
  /** MIME type, e.g. "image/jpeg". */
  readonly type: string;
  readonly size: number;
  /** Modification time in ms (a browser `File` has it): with name and size, how a file picked again is recognised. */
  readonly lastModified?: number;
  /** Bytes [start, end). May be lazy (a Blob) or read now (a Uint8Array). */
  slice(start: number, end: number): UploadBody | Promise<UploadBody>;
}

/** A request body both transports accept. */
export type UploadBody = Blob | Uint8Array;

export function bodySize(body: UploadBody): number {
  return body instanceof Uint8Array ? body.byteLength : body.size;
}

/** A source over bytes already in memory (tests, generated images). The bytes are not copied. */
export function bytesSource(bytes: Uint8Array, meta: { name: string; type: string }): UploadSource {
  return {
    name: meta.name,
    type: meta.type,
    size: bytes.byteLength,
    slice: (start, end) => bytes.subarray(start, end),
  };
}

/** MIME type from a file name, for sources that do not carry one (Node paths; some browsers leave HEIC blank). */
export function mimeFromName(name: string): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  return MIME_BY_EXTENSION[ext] ?? "application/octet-stream";
}
