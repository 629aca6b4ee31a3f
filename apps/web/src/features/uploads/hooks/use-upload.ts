import { useCallback } from "react";
import { toast } from "sonner";
import { listNames, plural } from "@/lib/format";
import { acceptedMimeType, partitionPhotos } from "../state/accepted-files";
import type { FileHandle } from "../state/file-handles";
import { useUploadSession } from "./use-upload-session";

/**
 * Where picked and dropped files go. Files the API takes are queued in the engine as one batch
 * (one upload job); the rest are named in a toast. Nothing is dropped silently: a file that looks
 * like a photo but breaks another rule (empty, too big) shows up in the panel as failed, with why.
 */
export function useUpload() {
  const session = useUploadSession();

  const addFiles = useCallback(
    (files: Iterable<File>, handles?: ReadonlyMap<File, Promise<FileHandle | null>>): void => {
      const { photos, rejected } = partitionPhotos(files);
      if (rejected.length > 0) {
        const names = rejected.map((file) => file.name);
        toast.warning(`${plural(rejected.length, "file")} skipped`, {
          description: `${listNames(names)} ${rejected.length === 1 ? "isn't an image" : "aren't images"} RapidPhoto takes (JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF, TIFF).`,
        });
      }
      if (photos.length === 0) return;
      session.add(photos.map((file) => ({ file, type: acceptedMimeType(file) as string, handle: handles?.get(file) })));
    },
    [session],
  );

  return { addFiles };
}
