/**
 * Persistent file handles (Chromium's File System Access API): a dropped file's
 * `DataTransferItem.getAsFileSystemHandle()` can be kept in IndexedDB and, after a reload, read
 * again once the person allows it, so resuming needs one click instead of finding the files again.
 * Elsewhere there are no handles and the person picks the files again.
 */

/** The part of FileSystemFileHandle used here (typed locally: not every TS lib has it). */
export interface FileHandle {
  readonly kind: "file" | "directory";
  readonly name: string;
  getFile(): Promise<File>;
  queryPermission?(descriptor: { mode: "read" }): Promise<PermissionState>;
  requestPermission?(descriptor: { mode: "read" }): Promise<PermissionState>;
}

export function isFileHandle(value: unknown): value is FileHandle {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as FileHandle).kind === "file" &&
    typeof (value as FileHandle).getFile === "function"
  );
}

/**
 * Starts reading the handles of a drop. Must be called inside the drop event (the items are
 * emptied when it returns); resolves to each dropped file's handle, or null where the browser
 * gives none.
 */
export function dropHandles(items: DataTransferItemList | undefined): Promise<(FileHandle | null)[]> {
  const pending: Promise<FileHandle | null>[] = [];
  for (const item of Array.from(items ?? [])) {
    if (item.kind !== "file") continue;
    const get = (item as { getAsFileSystemHandle?: () => Promise<unknown> }).getAsFileSystemHandle;
    pending.push(
      get
        ? get
            .call(item)
            .then((h) => (isFileHandle(h) ? h : null))
            .catch(() => null)
        : Promise.resolve(null),
    );
  }
  return Promise.all(pending);
}

/**
 * The files behind kept handles, asking for permission once: the first handle that needs it asks
 * (inside the person's click), the others are only queried, since a second prompt would have no
 * click left to stand on. Handles still without permission, moved or deleted files come back in
 * `missing`, for the person to pick again.
 */
export async function filesFromHandles<K>(
  handles: ReadonlyMap<K, FileHandle>,
): Promise<{ files: Map<K, File>; missing: K[] }> {
  const files = new Map<K, File>();
  const missing: K[] = [];
  let asked = false;
  for (const [key, handle] of handles) {
    try {
      let state = (await handle.queryPermission?.({ mode: "read" })) ?? "granted";
      if (state === "prompt" && !asked && handle.requestPermission) {
        asked = true;
        state = await handle.requestPermission({ mode: "read" });
      }
      if (state !== "granted") {
        missing.push(key);
        continue;
      }
      files.set(key, await handle.getFile());
    } catch {
      missing.push(key); // moved, deleted, or refused
    }
  }
  return { files, missing };
}
