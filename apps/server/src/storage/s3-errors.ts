import { StorageError, type StorageErrorCode } from "./storage.js";

/**
 * S3 error names (the SDK sets `name` to the XML `<Code>`, modeled or not) and what they mean to
 * the port. HeadObject has no body, so a missing key there arrives as plain `NotFound`.
 */
const S3_TO_STORAGE = new Map<string, StorageErrorCode>([
  ["NoSuchUpload", "NO_SUCH_UPLOAD"],
  ["InvalidPart", "INVALID_PART"],
  ["EntityTooSmall", "ENTITY_TOO_SMALL"],
  ["InvalidPartOrder", "INVALID_PART_ORDER"],
  ["NoSuchKey", "NO_SUCH_KEY"],
  ["NotFound", "NO_SUCH_KEY"],
]);

/** The StorageError an S3 error stands for, or the error itself when it has no port meaning. */
export function fromS3Error(err: unknown): unknown {
  const name = (err as { name?: unknown } | null)?.name;
  const code = typeof name === "string" ? S3_TO_STORAGE.get(name) : undefined;
  if (!code) return err;
  return new StorageError(code, (err as Error).message || String(name), { cause: err });
}

export function isS3Error(err: unknown, ...names: string[]): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" && names.includes(name);
}
