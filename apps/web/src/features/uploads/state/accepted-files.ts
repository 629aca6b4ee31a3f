import { ACCEPTED_MIME_TYPES, MIME_BY_EXTENSION } from "@rapidphoto/protocol";

// Browsers often report HEIC/HEIF (and sometimes TIFF) with an empty `type`, so the picker also
// accepts the extensions and the check below falls back to them.

/** The `accept` attribute of the photo picker: the API's image types plus their extensions. */
export const PICKER_ACCEPT = [...ACCEPTED_MIME_TYPES, ...Object.keys(MIME_BY_EXTENSION).map((ext) => `.${ext}`)].join(
  ",",
);

/** The image type the API will accept for this file, or null when it takes no such file. */
export function acceptedMimeType(file: Pick<File, "name" | "type">): string | null {
  if ((ACCEPTED_MIME_TYPES as ReadonlyArray<string>).includes(file.type)) return file.type;
  // Generic or missing types say nothing about the content; the extension decides then.
  if (file.type !== "" && file.type !== "application/octet-stream") return null;
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return MIME_BY_EXTENSION[extension] ?? null;
}

/** Splits a picked or dropped selection into files the API accepts and files it would reject. */
export function partitionPhotos<F extends Pick<File, "name" | "type">>(
  files: Iterable<F>,
): { photos: F[]; rejected: F[] } {
  const photos: F[] = [];
  const rejected: F[] = [];
  for (const file of files) (acceptedMimeType(file) ? photos : rejected).push(file);
  return { photos, rejected };
}
