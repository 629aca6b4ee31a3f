import { ACCEPTED_MIME_TYPES } from "@rapidphoto/protocol";
import { fileTypeFromBuffer } from "file-type";

export type AcceptedMimeType = (typeof ACCEPTED_MIME_TYPES)[number];

export type SniffedType =
  | { accepted: true; mimeType: AcceptedMimeType }
  /** `ext` names what the bytes are when file-type knows them ("pdf", "mp4"), so the message can say it. */
  | { accepted: false; ext: string | null };

// Burst and live-photo containers are HEIF sequences; their primary image is the photo.
const SEQUENCES: Record<string, AcceptedMimeType> = {
  "image/heic-sequence": "image/heic",
  "image/heif-sequence": "image/heif",
};

/**
 * What the bytes are, judged by their magic numbers (for HEIF/AVIF, the ftyp box's major brand),
 * never by the name or the type the browser declared: a renamed file is judged by what it is.
 */
export async function sniffImageType(bytes: Uint8Array): Promise<SniffedType> {
  const found = await fileTypeFromBuffer(bytes);
  if (!found) return { accepted: false, ext: null };
  const mimeType = SEQUENCES[found.mime] ?? found.mime;
  return isAccepted(mimeType) ? { accepted: true, mimeType } : { accepted: false, ext: found.ext };
}

function isAccepted(mimeType: string): mimeType is AcceptedMimeType {
  return (ACCEPTED_MIME_TYPES as readonly string[]).includes(mimeType);
}
