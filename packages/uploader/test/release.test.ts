import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { photoPush } from "@rapidphoto/protocol/testing";
import { describe, expect, it, vi } from "vitest";
import { bytesSource } from "../src/index.js";
import { memoryBackend, uploaderOn } from "./support/memory-backend.js";

/** Every record the engine makes, weakly: whether the engine still holds one is whether it survives a GC. */
const made = vi.hoisted(() => [] as WeakRef<object>[]);
vi.mock("../src/file-record.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../src/file-record.js")>();
  return {
    ...original,
    createRecord: (...args: Parameters<typeof original.createRecord>) => {
      const record = original.createRecord(...args);
      made.push(new WeakRef(record));
      return record;
    },
  };
});

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Collects garbage outside the job that last touched the WeakRefs (a WeakRef keeps its target during that job). */
async function collect(): Promise<void> {
  await turn();
  gc();
  await turn();
}

describe("what the engine keeps of a done file", () => {
  it("drops the record of a completed or cancelled file and keeps those of files still processing", async () => {
    made.length = 0;
    const backend = memoryBackend();
    const uploader = uploaderOn(backend);
    const jpeg = (name: string) => bytesSource(new Uint8Array(1000), { name, type: "image/jpeg" });
    const [done, processing, cancelled] = uploader.add([jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")]);
    await uploader.whenIdle();
    const file = (id: string) => uploader.store.getState().files[id]!;
    const { jobId, photoId } = file(done!);
    uploader.applyServerMessage(
      photoPush({ jobId: jobId!, photoId: photoId!, status: "COMPLETED", seq: 5, bytesSent: 1000, bytesTotal: 1000 }),
    );
    await uploader.cancel(cancelled!);
    await uploader.whenIdle();
    await collect();

    expect(made).toHaveLength(3);
    const [doneRecord, processingRecord, cancelledRecord] = made.map((ref) => ref.deref());
    expect(doneRecord).toBeUndefined();
    expect(cancelledRecord).toBeUndefined();
    // A photo the server may still fail keeps its record (and source) for a retry.
    expect(processingRecord).toMatchObject({ id: processing, source: expect.anything() });
    // The rows stay for the panel.
    expect([file(done!).status, file(processing!).status, file(cancelled!).status]).toEqual([
      "COMPLETED",
      "PROCESSING",
      "CANCELLED",
    ]);

    // Clearing completed rows still works without their records.
    uploader.clearCompleted();
    await uploader.whenIdle();
    expect(uploader.store.getState().order).toEqual([processing, cancelled]);
    uploader.destroy();
  });
});
