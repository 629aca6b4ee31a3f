import { MAX_PARTS, partCountFor, partRange } from "@rapidphoto/protocol";
import { UploaderError } from "./errors.js";

type PartSpec = { partNumber: number; start: number; end: number };

/**
 * Every part of a multipart upload as the server laid it out (`partSize`, `partCount` from its
 * answer). The client never picks its own size: the server signs URLs with a size limit per part,
 * and finalize joins exactly these ranges. A layout that does not cover the file is refused here,
 * before any byte is sent, rather than discovered at finalize.
 */
export function planParts(bytes: number, partSize: number, partCount: number): PartSpec[] {
  if (!Number.isInteger(partSize) || partSize <= 0) throw planError(`Part size ${partSize} is not usable.`);
  if (partCount > MAX_PARTS) throw planError(`${partCount} parts is more than storage allows (${MAX_PARTS}).`);
  if (partCount !== partCountFor(bytes, partSize)) {
    throw planError(`${partCount} parts of ${partSize} bytes do not cover ${bytes} bytes.`);
  }
  const parts: PartSpec[] = [];
  for (let partNumber = 1; partNumber <= partCount; partNumber++) {
    parts.push({ partNumber, ...partRange(bytes, partSize, partNumber) });
  }
  return parts;
}

/** Parts not yet stored, in upload order (lowest first, so a stopped upload leaves a prefix). */
export function missingParts(parts: readonly PartSpec[], stored: ReadonlyMap<number, string>): PartSpec[] {
  return parts.filter((p) => !stored.has(p.partNumber));
}

/** Bytes already stored: where a resumed file's progress starts. */
export function storedBytes(parts: readonly PartSpec[], stored: ReadonlyMap<number, string>): number {
  let sum = 0;
  for (const p of parts) if (stored.has(p.partNumber)) sum += p.end - p.start;
  return sum;
}

function planError(message: string): UploaderError {
  return new UploaderError("BAD_PART_PLAN", message);
}
