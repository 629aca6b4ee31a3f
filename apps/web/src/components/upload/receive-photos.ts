import { toast } from "sonner";
import { plural } from "@/lib/format";
import { partitionPhotos } from "@/lib/upload/accepted-files";

/**
 * Where picked or dropped files arrive. The upload engine plugs in here; until then the person is
 * told plainly what was received and that nothing was sent.
 */
export function receivePhotos(files: Iterable<File>): void {
  const { photos, rejected } = partitionPhotos(files);
  if (rejected.length > 0) {
    toast.warning(`${plural(rejected.length, "file")} skipped`, {
      description: "RapidPhoto takes JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF and TIFF images.",
    });
  }
  if (photos.length > 0) {
    toast.info(`${plural(photos.length, "photo")} selected`, {
      description: "Uploading isn't switched on yet, so nothing was sent.",
    });
  }
}
