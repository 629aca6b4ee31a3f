import { isAwaitingBytes, MAX_FILES_PER_JOB } from "@rapidphoto/protocol";
import type { UploadApi } from "./api-client.js";
import type { FileRecord } from "./file-record.js";
import type { StoreWriter } from "./store.js";

/**
 * Keeps the server's sender lease on every photo this engine holds the file of, while it sends
 * nothing for it: a file queued behind hundreds of others or paused would otherwise look abandoned
 * to other tabs ("needs the file again") although this tab will send it. Files being sent renew
 * their lease themselves (signing, progress); files restored without their bytes are not held.
 */
export class LeaseHeartbeat {
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #controller = new AbortController();

  constructor(
    private readonly api: Pick<UploadApi, "holdPhotos">,
    private readonly records: ReadonlyMap<string, FileRecord>,
    private readonly writer: StoreWriter,
    intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#timer = setInterval(() => void this.beat(), intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Photo ids this engine holds and is not sending now. */
  held(): string[] {
    const ids: string[] = [];
    for (const r of this.records.values()) {
      if (!r.source || r.controller) continue;
      const file = this.writer.file(r.id);
      if (file?.photoId && isAwaitingBytes(file.status)) ids.push(file.photoId);
    }
    return ids;
  }

  async beat(): Promise<void> {
    const ids = this.held();
    for (let i = 0; i < ids.length; i += MAX_FILES_PER_JOB) {
      if (this.#controller.signal.aborted) return;
      try {
        await this.api.holdPhotos({ photoIds: ids.slice(i, i + MAX_FILES_PER_JOB) }, this.#controller.signal);
      } catch (error) {
        if (!this.#controller.signal.aborted) this.onError(error);
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#controller.abort();
  }
}
