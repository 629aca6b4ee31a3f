import { SPEED_TIME_CONSTANT_MS } from "./constants.js";

/**
 * Byte accounting for one file. Each request (a part, or the single PUT) reports how much of its
 * body has gone out; finished requests are committed at their exact size, and a failed or aborted
 * request's bytes are taken back. So the sum only goes down by a take-back, and reaches exactly
 * `total` when the last request finishes, whatever the transport's last progress event said.
 */
export class FileProgress {
  #committed = 0;
  #sent = 0;
  readonly #inFlight = new Map<number, { loaded: number; size: number }>();

  constructor(
    readonly total: number,
    /**
     * Called with every change of `sent`: positive while sending, negative on take-back. `live` is
     * false for the jump to bytes already stored, which is progress but not transfer speed.
     */
    private readonly onChange: (delta: number, live: boolean) => void = () => {},
  ) {}

  get sent(): number {
    return this.#sent;
  }

  #change(delta: number, live = true): void {
    this.#sent += delta;
    this.onChange(delta, live);
  }

  /** Bytes already stored before this run (resume, retry): counted as sent, reported as a jump. */
  setStored(bytes: number): void {
    this.takeBackAll();
    const delta = bytes - this.#committed;
    this.#committed = bytes;
    if (delta !== 0) this.#change(delta, false);
  }

  begin(key: number, size: number): void {
    this.takeBack(key); // a request restarted under the same key starts from zero
    this.#inFlight.set(key, { loaded: 0, size });
  }

  /** Progress of one request: clamped to its size, and never lower than what it already reported. */
  update(key: number, loaded: number): void {
    const r = this.#inFlight.get(key);
    if (!r) return; // a late event from a request already finished or taken back
    const next = Math.min(r.size, Math.max(r.loaded, loaded));
    if (next === r.loaded) return;
    const delta = next - r.loaded;
    r.loaded = next;
    this.#change(delta);
  }

  /** The request succeeded: its bytes count at their exact size from now on. */
  complete(key: number): void {
    const r = this.#inFlight.get(key);
    if (!r) return;
    this.#inFlight.delete(key);
    this.#committed += r.size;
    if (r.size !== r.loaded) this.#change(r.size - r.loaded);
  }

  /** The request failed or was aborted: its bytes were not stored, so they no longer count. */
  takeBack(key: number): void {
    const r = this.#inFlight.get(key);
    if (!r) return;
    this.#inFlight.delete(key);
    if (r.loaded > 0) this.#change(-r.loaded);
  }

  /** Drops every request in flight (pause, cancel); committed bytes stay. */
  takeBackAll(): void {
    for (const key of [...this.#inFlight.keys()]) this.takeBack(key);
  }
}

/**
 * Transfer speed as an exponential moving average over samples of a byte counter. The weight of a
 * sample grows with the time it covers (1 − e^(−Δt/τ)), so irregular sampling still gives the same
 * smoothing; bytes taken back are not negative speed, just no progress.
 */
export class SpeedMeter {
  #lastAt: number | null = null;
  #lastBytes = 0;
  #speed = 0;
  #primed = false;

  constructor(private readonly timeConstantMs: number = SPEED_TIME_CONSTANT_MS) {}

  /** Bytes per second after this sample. `bytes` is a running total of bytes transferred. */
  sample(now: number, bytes: number): number {
    if (this.#lastAt === null || now <= this.#lastAt) {
      if (this.#lastAt === null) this.#lastAt = now;
      this.#lastBytes = bytes;
      return this.#speed;
    }
    const dt = now - this.#lastAt;
    const rate = (Math.max(0, bytes - this.#lastBytes) * 1000) / dt;
    const weight = 1 - Math.exp(-dt / this.timeConstantMs);
    // The first interval has nothing to average with: take it as is rather than ramping up from 0.
    this.#speed = this.#primed ? this.#speed + weight * (rate - this.#speed) : rate;
    this.#primed = true;
    this.#lastAt = now;
    this.#lastBytes = bytes;
    return this.#speed;
  }

  /** Idle (nothing uploading): the next burst starts a fresh average instead of decaying from the old one. */
  reset(): void {
    this.#lastAt = null;
    this.#speed = 0;
    this.#primed = false;
  }

  get speed(): number {
    return this.#speed;
  }
}

/** Seconds left at `speed`, or null when there is no speed to go by. */
export function etaSeconds(remainingBytes: number, speed: number): number | null {
  if (remainingBytes <= 0) return 0;
  if (!(speed > 0)) return null;
  return remainingBytes / speed;
}
