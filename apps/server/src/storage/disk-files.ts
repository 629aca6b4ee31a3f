import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { z } from "zod";

/** A body that is larger than allowed, or not the exact size that was signed. */
export class BodySizeError extends Error {
  constructor(
    readonly code: "TOO_LARGE" | "WRONG_SIZE",
    /** The limit (TOO_LARGE) or the exact size required (WRONG_SIZE). */
    readonly limit: number,
    /** Bytes seen or announced when the check failed. */
    readonly received: number,
  ) {
    super(
      code === "TOO_LARGE"
        ? `The body is larger than the ${limit} bytes allowed.`
        : `The body must be exactly ${limit} bytes; it was ${received}.`,
    );
    this.name = "BodySizeError";
  }
}

/** The sender went away before the body was complete. */
export class BodyIncompleteError extends Error {
  constructor() {
    super("The body ended before it was complete.");
    this.name = "BodyIncompleteError";
  }
}

export type BodyLimits = {
  /** Stop with TOO_LARGE as soon as more than this has arrived. */
  maxBytes?: number;
  /** The body must be exactly this long (implies maxBytes). */
  exactBytes?: number;
};

export type Received = { size: number; md5hex: string };

/** Rejects an announced length (Content-Length) that can never satisfy the limits, before reading a byte. */
export function checkDeclaredSize(declared: number | undefined, limits: BodyLimits): void {
  if (declared === undefined) return;
  const max = effectiveMax(limits);
  if (max !== undefined && declared > max) throw new BodySizeError("TOO_LARGE", max, declared);
  if (limits.exactBytes !== undefined && declared !== limits.exactBytes) {
    throw new BodySizeError("WRONG_SIZE", limits.exactBytes, declared);
  }
}

/**
 * Streams `source` into a new file at `dest` (which must not exist), hashing MD5 on the way and
 * enforcing the limits chunk by chunk. On any failure the file is removed and the source is left
 * alone — unpiped and paused, not destroyed — so an HTTP request can still be answered; a caller
 * that owns the source destroys it.
 */
export async function receiveToFile(
  source: Readable,
  dest: string,
  limits: BodyLimits & { signal?: AbortSignal },
): Promise<Received> {
  const meter = new Meter(limits);
  // The directory and the file are made (below) before the pipeline takes the meter; a sender that
  // goes away meanwhile destroys the meter with an error nothing else listens to yet, and an 'error'
  // event without a listener ends the process (a PUT aborted at that moment took the server down).
  // The pipeline still fails with it: it sees the meter errored.
  meter.on("error", () => {});
  const onError = (err: Error) => meter.destroy(err);
  const onClose = () => {
    if (!source.readableEnded) meter.destroy(new BodyIncompleteError());
  };
  source.once("error", onError);
  source.once("close", onClose);
  // Gone before we were called: no close event is coming.
  if (source.destroyed) onClose();
  // Opened before the body flows: a stream that opens its file itself may still be opening it when
  // a body refused at once fails the pipeline, and the file is then created after its removal below
  // and left behind (seen on a loaded machine).
  let opened = false;
  try {
    await mkdir(path.dirname(dest), { recursive: true });
    const file = (await open(dest, "wx")).createWriteStream();
    opened = true;
    source.pipe(meter);
    await pipeline(meter, file, { signal: limits.signal });
    return { size: meter.size, md5hex: meter.hash.digest("hex") };
  } catch (err) {
    source.unpipe(meter);
    source.pause();
    if (opened) await rm(dest, { force: true });
    throw err;
  } finally {
    source.off("error", onError);
    source.off("close", onClose);
  }
}

/** Counts, hashes and bounds the bytes that pass through. */
class Meter extends Transform {
  size = 0;
  readonly hash = createHash("md5");
  private readonly max: number | undefined;

  constructor(private readonly limits: BodyLimits) {
    super();
    this.max = effectiveMax(limits);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.max !== undefined && this.size > this.max) {
      done(new BodySizeError("TOO_LARGE", this.max, this.size));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const exact = this.limits.exactBytes;
    done(exact !== undefined && this.size !== exact ? new BodySizeError("WRONG_SIZE", exact, this.size) : null);
  }
}

function effectiveMax(limits: BodyLimits): number | undefined {
  const { maxBytes, exactBytes } = limits;
  if (maxBytes === undefined) return exactBytes;
  return exactBytes === undefined ? maxBytes : Math.min(maxBytes, exactBytes);
}

/** Renames a finished temp file into place (see renameIntoDir); on failure the temp file is removed. */
export async function moveIntoPlace(tmp: string, dest: string): Promise<void> {
  try {
    await renameIntoDir(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

// Enough for any realistic run of bad luck; each retry needs a prune to land in a microsecond window again.
const RENAME_ATTEMPTS = 5;

/**
 * Renames `from` to `dest`, creating parent directories. A concurrent delete or move may prune a
 * parent we just created — even in the middle of a recursive mkdir, which then fails with ENOENT —
 * so both steps are retried together a few times. On failure `from` is left where it was.
 */
export async function renameIntoDir(from: string, dest: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(from, dest);
      return;
    } catch (err) {
      if (!(isNotFound(err) && attempt < RENAME_ATTEMPTS)) throw err;
    }
  }
}

/** Writes JSON to `tmp`, then renames it to `dest`: readers see the old or the new file, never half. */
export async function writeJsonAtomically(tmp: string, dest: string, value: unknown): Promise<void> {
  await moveIntoPlace(await writeJsonAside(tmp, value), dest);
}

/** Writes JSON to a new file `tmp` (for the caller to rename into place) and returns its path. */
export async function writeJsonAside(tmp: string, value: unknown): Promise<string> {
  await mkdir(path.dirname(tmp), { recursive: true });
  await writeFile(tmp, JSON.stringify(value), { flag: "wx" });
  return tmp;
}

/** Parsed and validated JSON, or null when the file does not exist. */
export async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return schema.parse(JSON.parse(text));
}

/** Removes now-empty directories from `dir` up to (not including) `stopAt`. */
export async function pruneEmptyDirs(dir: string, stopAt: string): Promise<void> {
  let current = dir;
  while (current.startsWith(stopAt + path.sep)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty, already gone, or in use: stop here
    }
    current = path.dirname(current);
  }
}

/** A directory's entries; none when it does not exist. */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** ENOENT, or ENOTDIR when part of the path is a file (key `a` exists and `a/b` is asked for). */
export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
