import { SPEED_SAMPLE_MS } from "./constants.js";
import { SpeedMeter } from "./progress.js";

/**
 * Overall transfer speed: counts bytes as they move (taken-back bytes subtract) and samples the
 * count on a timer while anything is sending, publishing the smoothed speed. The timer stops when
 * uploads stop, so an idle engine has no timers.
 */
export class TransferMeter {
  readonly #meter = new SpeedMeter();
  #bytes = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly publish: (speed: number) => void,
    /** Whether anything is still sending; checked on every sample. */
    private readonly busy: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  add(delta: number): void {
    this.#bytes += delta;
  }

  /** Something started sending: sample until nothing is. */
  wake(): void {
    if (this.#timer) return;
    this.#meter.sample(this.now(), this.#bytes);
    this.#timer = setInterval(() => this.#tick(), SPEED_SAMPLE_MS);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#meter.reset();
    this.publish(0);
  }

  #tick(): void {
    if (!this.busy()) {
      this.stop();
      return;
    }
    this.publish(this.#meter.sample(this.now(), this.#bytes));
  }
}
