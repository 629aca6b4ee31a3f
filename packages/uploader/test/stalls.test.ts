import { describe, expect, it } from "vitest";
import { bytesSource, createUploader, type UploaderOptions } from "../src/index.js";
import { ManualClock } from "./support/manual-clock.js";
import { memoryBackend } from "./support/memory-backend.js";

/**
 * Stall detection and backoff on a manual clock: time moves only when the test says so, so these
 * hold on a machine of any speed, and "two minutes without progress" takes no time at all.
 */

const jpeg = (name: string, bytes = 1000) => bytesSource(new Uint8Array(bytes), { name, type: "image/jpeg" });
const tick = () => new Promise<void>((r) => setImmediate(r));
const never = new Promise<void>(() => {});
/** Lets every pending callback and promise chain run (the engine reacts to a fired timer asynchronously). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await tick();
};

function setup(options: Partial<UploaderOptions> = {}) {
  const clock = new ManualClock();
  const backend = memoryBackend();
  const tries: number[] = [];
  const uploader = createUploader({
    api: backend.api,
    transport: backend.transport,
    retry: { baseDelayMs: 1_000, maxDelayMs: 10_000, attempts: 3 },
    progressReportMs: 0,
    clock,
    ...options,
  });
  const file = (id: string) => uploader.store.getState().files[id]!;
  /** Resolves once the `n`th try has started and its stall watch (or backoff) is armed. */
  const tryStarted = async (n: number) => {
    while (tries.length < n || clock.pending === 0) await tick();
  };
  /** Resolves once the `n`th try has started (one that goes through arms nothing for long). */
  const tried = async (n: number) => {
    while (tries.length < n) await tick();
  };
  return { clock, backend, tries, uploader, file, tryStarted, tried };
}

describe("stalled requests", () => {
  it("are aborted and retried with a wider window each time: 30 s, 60 s, 120 s", async () => {
    const { clock, backend, tries, uploader, file, tryStarted, tried } = setup();
    backend.hooks.put = ({ attempt }) => {
      tries.push(attempt);
      return attempt <= 3 ? { hold: never, silent: true } : {};
    };
    const [id] = uploader.add([jpeg("a.jpg")]);
    for (const [n, windowMs] of [
      [1, 30_000],
      [2, 60_000],
      [3, 120_000],
    ] as const) {
      await tryStarted(n);
      clock.advance(windowMs - 1);
      await settle();
      expect(tries).toHaveLength(n); // not a moment early
      clock.advance(1);
      await tried(n + 1);
    }
    await uploader.whenIdle();
    // Stalls do not spend the three tries a failing request gets.
    expect(file(id!)).toMatchObject({ status: "PROCESSING", retries: 3, error: null, bytesSent: 1000 });
  });

  it("fail the file with STALLED only after many tries in a row without progress", async () => {
    const { clock, backend, tries, uploader, file, tryStarted } = setup({ stall: { maxStalls: 4 } });
    backend.hooks.put = ({ attempt }) => {
      tries.push(attempt);
      return { hold: never, silent: true };
    };
    const [id] = uploader.add([jpeg("a.jpg")]);
    for (let n = 1; n <= 3; n++) {
      await tryStarted(n);
      clock.advance(120_000);
      await tryStarted(n + 1);
      expect(file(id!).status).toBe("UPLOADING");
    }
    clock.advance(120_000);
    await uploader.whenIdle();
    expect(tries).toEqual([1, 2, 3, 4]);
    expect(file(id!)).toMatchObject({ status: "FAILED", bytesSent: 0, error: { code: "STALLED" } });
    expect(file(id!).error!.message).toMatch(/4 tries in a row/);
  });

  it("do not count toward giving up while each try gets further than the one before", async () => {
    const { clock, backend, tries, uploader, file, tryStarted } = setup({ stall: { maxStalls: 2 } });
    // A congested link: every try moves a little more before it stalls; the sixth goes through.
    backend.hooks.put = ({ attempt }) => {
      tries.push(attempt);
      return attempt <= 5 ? { hold: never, progress: attempt * 100 } : {};
    };
    const [id] = uploader.add([jpeg("a.jpg")]);
    for (let n = 1; n <= 5; n++) {
      await tryStarted(n);
      clock.advance(120_000);
    }
    await uploader.whenIdle();
    expect(tries).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file(id!)).toMatchObject({ status: "PROCESSING", bytesSent: 1000 });
  });

  it("that never get further than before do count, even when some bytes moved", async () => {
    const { clock, backend, tries, uploader, file, tryStarted } = setup({ stall: { maxStalls: 2 } });
    backend.hooks.put = ({ attempt }) => {
      tries.push(attempt);
      return { hold: never, progress: 100 };
    };
    const [id] = uploader.add([jpeg("a.jpg")]);
    for (let n = 1; n <= 2; n++) {
      await tryStarted(n);
      clock.advance(120_000);
    }
    await tryStarted(3);
    clock.advance(120_000);
    await uploader.whenIdle();
    // The first try got somewhere (100 bytes); the next two did not get further.
    expect(tries).toEqual([1, 2, 3]);
    expect(file(id!)).toMatchObject({ status: "FAILED", error: { code: "STALLED" } });
  });

  it("are not detected at all when stall detection is off", async () => {
    const { clock, backend, uploader, file } = setup({ stall: { timeoutMs: Number.POSITIVE_INFINITY } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    backend.hooks.put = () => ({ hold: held, silent: true });
    const [id] = uploader.add([jpeg("a.jpg")]);
    while (file(id!)?.status !== "UPLOADING") await tick();
    await settle();
    expect(clock.pending).toBe(0);
    release();
    await uploader.whenIdle();
    expect(file(id!)).toMatchObject({ status: "PROCESSING", retries: 0 });
  });
});

describe("backoff", () => {
  it("waits on the injected clock between tries", async () => {
    const { clock, backend, tries, uploader, file, tryStarted } = setup({ random: () => 0.5 });
    backend.hooks.put = ({ attempt }) => {
      tries.push(attempt);
      return attempt === 1 ? { status: 503 } : {};
    };
    const [id] = uploader.add([jpeg("a.jpg")]);
    await tryStarted(1);
    while (backend.puts.length === 0) await tick();
    await settle();
    // Full jitter: half of the first ceiling (1 s).
    clock.advance(499);
    await settle();
    expect(tries).toEqual([1]);
    clock.advance(1);
    await uploader.whenIdle();
    expect(tries).toEqual([1, 2]);
    expect(file(id!)).toMatchObject({ status: "PROCESSING", retries: 1 });
  });
});
