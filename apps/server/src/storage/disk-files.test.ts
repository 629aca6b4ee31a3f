import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, expect, it } from "vitest";
import { BodySizeError, receiveToFile } from "./disk-files.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A body refused at once (here: it ends short of its signed size) fails while its file may still be
 * opening on the thread pool. Many at a time make that the common case; the file must be gone once
 * the refusal is answered, not created after its removal and left behind.
 */
it("leaves no file behind for bodies refused while their file was still opening", async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "rapidphoto-receive-"));
  const runs = Array.from({ length: 200 }, (_, i) =>
    receiveToFile(Readable.from([Buffer.alloc(5)]), path.join(dir as string, `body-${i}.tmp`), {
      exactBytes: 10,
    }).then(
      () => "stored",
      (error: unknown) => (error instanceof BodySizeError ? error.code : String(error)),
    ),
  );
  expect(new Set(await Promise.all(runs))).toEqual(new Set(["WRONG_SIZE"]));
  // Every open, write, close and removal the runs started has landed, however slow the thread pool.
  await fileSystemSettled();
  expect(await readdir(dir)).toEqual([]);
});

/** Waits until this thread has no file system request pending (an open still on the thread pool, a close). */
async function fileSystemSettled(): Promise<void> {
  const pending = () =>
    process.getActiveResourcesInfo().some((type) => type.startsWith("FSReq") || type.endsWith("CloseReq"));
  while (pending()) await new Promise((resolve) => setImmediate(resolve));
}
