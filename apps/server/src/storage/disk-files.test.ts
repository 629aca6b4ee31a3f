import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, expect, it } from "vitest";
import { BodyIncompleteError, BodySizeError, receiveToFile } from "./disk-files.js";

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

/**
 * A sender that goes away while its file is still being opened (the request aborted: its stream
 * errors, then closes) fails that body alone, with nothing left behind; the process goes on.
 */
it("fails a body whose sender goes away while its file is opening, and leaves no file", async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "rapidphoto-receive-"));
  const runs = Array.from({ length: 20 }, (_, i) => {
    const source = new PassThrough();
    source.on("error", () => {}); // the HTTP server's own listener on a request
    const run = receiveToFile(source, path.join(dir as string, `gone-${i}.tmp`), { exactBytes: 10 }).then(
      () => "stored",
      (error: unknown) => (error instanceof BodyIncompleteError ? "incomplete" : (error as Error).message),
    );
    // As Node's HTTP server does for an aborted request, before the file's open has returned.
    source.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    return run;
  });
  const outcomes = new Set(await Promise.all(runs));
  expect([...outcomes].every((o) => o === "aborted" || o === "incomplete")).toBe(true);
  await fileSystemSettled();
  expect(await readdir(dir)).toEqual([]);
});

/** Waits until this thread has no file system request pending (an open still on the thread pool, a close). */
async function fileSystemSettled(): Promise<void> {
  const pending = () =>
    process.getActiveResourcesInfo().some((type) => type.startsWith("FSReq") || type.endsWith("CloseReq"));
  while (pending()) await new Promise((resolve) => setImmediate(resolve));
}
