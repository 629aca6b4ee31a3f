import { type FileHandle, open, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";
import {
  isNotFound,
  moveIntoPlace,
  pruneEmptyDirs,
  readJson,
  renameIntoDir,
  writeJsonAside,
  writeJsonAtomically,
} from "./disk-files.js";
import { type DiskLayout, metaPath, objectPath, tempPath } from "./disk-paths.js";
import { createKeyedLock } from "./keyed-lock.js";
import { type ObjectInfo, StorageError } from "./storage.js";

/** The sidecar that travels with each object's bytes. */
const ObjectMeta = z.object({
  size: z.number().int().nonnegative(),
  etag: z.string(),
  contentType: z.string().nullable(),
});

/** Committed objects on disk: bytes under objects/, sidecars under meta/ (see disk-paths.ts). */
export type DiskObjects = {
  /** Moves a finished temp file into place as `key`, replacing any previous object. */
  commit(key: string, tmpFile: string, info: ObjectInfo): Promise<void>;
  head(key: string): Promise<ObjectInfo | null>;
  /** The object's info and a stream of its bytes. Throws StorageError("NO_SUCH_KEY"). */
  open(key: string): Promise<{ info: ObjectInfo; body: Readable }>;
  delete(key: string): Promise<void>;
  /** Renames `from` to `to`, replacing `to`. Throws StorageError("NO_SUCH_KEY") when `from` is missing. */
  move(from: string, to: string): Promise<void>;
};

export function createDiskObjects(layout: DiskLayout): DiskObjects {
  // Commit, open and delete of one key never interleave: a reader never pairs bytes from one
  // write with the sidecar of another.
  const lock = createKeyedLock();

  /**
   * The object's sidecar and an open descriptor on its bytes, or null. Bytes and sidecar must agree
   * on the size to count as an object (they disagree only after a crash mid-commit).
   */
  async function openObject(key: string): Promise<{ info: ObjectInfo; handle: FileHandle } | null> {
    const info = await readJson(metaPath(layout, key), ObjectMeta);
    if (!info) return null;
    const handle = await openFile(objectPath(layout, key));
    if (!handle) return null;
    const stat = await handle.stat();
    if (stat.isFile() && stat.size === info.size) return { info, handle };
    await handle.close();
    return null;
  }

  return {
    async commit(key, tmpFile, info) {
      const dataFile = objectPath(layout, key);
      const sidecar = metaPath(layout, key);
      return lock(key, async () => {
        // Bytes first, then the sidecar: the object exists once its sidecar does. A crash between
        // the two leaves bytes without a sidecar, which head() reports as missing.
        await moveIntoPlace(tmpFile, dataFile);
        await writeJsonAtomically(tempPath(layout, "meta"), sidecar, info);
      });
    },

    async head(key) {
      objectPath(layout, key); // validates the key before taking the lock
      return lock(key, async () => {
        const found = await openObject(key);
        await found?.handle.close();
        return found?.info ?? null;
      });
    },

    async open(key) {
      objectPath(layout, key);
      return lock(key, async () => {
        const found = await openObject(key);
        if (!found) throw new StorageError("NO_SUCH_KEY", `No object at ${key}.`);
        // The open descriptor keeps these bytes readable even if the key is replaced meanwhile.
        return { info: found.info, body: found.handle.createReadStream() };
      });
    },

    async move(from, to) {
      const paths = { from: objectPath(layout, from), fromMeta: metaPath(layout, from) };
      const dest = { data: objectPath(layout, to), meta: metaPath(layout, to) };
      // Both keys locked, in a fixed order so two opposite moves cannot deadlock.
      const [first, second] = [from, to].sort();
      return lock(first as string, () =>
        lock(second as string, async () => {
          const found = await openObject(from);
          if (!found) throw new StorageError("NO_SUCH_KEY", `No object at ${from}.`);
          await found.handle.close();
          // The new sidecar is written aside first: a store that cannot be written fails here,
          // with `from` untouched. Then `to` stops existing (its sidecar goes), takes the bytes and
          // its sidecar; `from` has lost its bytes by then, so no crash shows one object at two keys.
          const sidecar = await writeJsonAside(tempPath(layout, "meta"), found.info);
          try {
            await rm(dest.meta, { force: true });
            await renameIntoDir(paths.from, dest.data); // not moveIntoPlace: a failure must leave `from` alone
          } catch (err) {
            await rm(sidecar, { force: true });
            throw err;
          }
          await moveIntoPlace(sidecar, dest.meta);
          await rm(paths.fromMeta, { force: true });
          await pruneEmptyDirs(path.dirname(paths.fromMeta), layout.meta);
          await pruneEmptyDirs(path.dirname(paths.from), layout.objects);
        }),
      );
    },

    async delete(key) {
      const dataFile = objectPath(layout, key);
      const sidecar = metaPath(layout, key);
      return lock(key, async () => {
        // Sidecar first: from that moment the object no longer exists for head() and open().
        await rm(sidecar, { force: true });
        await rm(dataFile, { force: true });
        await pruneEmptyDirs(path.dirname(sidecar), layout.meta);
        await pruneEmptyDirs(path.dirname(dataFile), layout.objects);
      });
    },
  };
}

async function openFile(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, "r");
  } catch (err) {
    if (isNotFound(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return null;
    throw err;
  }
}
