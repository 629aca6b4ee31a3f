/**
 * Time during which at least one file was being hashed, handed out in pieces: each `end` returns
 * the busy time since the previous `end`, so the pieces sum to the worker's busy wall time however
 * many files overlap. (Summing each file's own duration counted overlapping files twice and halved
 * the MB/s the browser benchmark reports once two files were hashed at once.)
 */
export class BusyTime {
  #running = 0;
  #since = 0;
  #accrued = 0;

  start(now: number): void {
    if (this.#running++ === 0) this.#since = now;
  }

  end(now: number): number {
    this.#accrued += now - this.#since;
    this.#since = now;
    this.#running = Math.max(0, this.#running - 1);
    const ms = this.#accrued;
    this.#accrued = 0;
    return ms;
  }
}
