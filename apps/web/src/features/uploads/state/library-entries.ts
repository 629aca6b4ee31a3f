import { isInLibrary } from "@rapidphoto/protocol";
import { changedFiles, type UploadState } from "@rapidphoto/uploader";

/**
 * Photos of this tab that reached the library's statuses (or moved between them) from `before` to
 * `files`. Only the files the store's flushes changed are looked at (changedFiles): a walk over a
 * 10,000-file selection on every flush was a per-flush cost of the selection's size.
 */
export function enteredLibrary(files: UploadState["files"], before: UploadState["files"]): string[] {
  const ids: string[] = [];
  const look = (id: string) => {
    const file = files[id];
    const old = before[id];
    if (file && file !== old && file.photoId && isInLibrary(file.status) && file.status !== old?.status)
      ids.push(file.photoId);
  };
  const changed = changedFiles(before, files);
  if (changed) for (const id of changed) look(id);
  else for (const id in files) look(id);
  return ids;
}
