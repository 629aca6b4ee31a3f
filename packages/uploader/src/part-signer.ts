import { MAX_PARTS_PER_SIGN_REQUEST, type SignedPart } from "@rapidphoto/protocol";
import { raceSignal } from "./abort.js";
import type { UploadApi } from "./api-client.js";
import { URL_EXPIRY_MARGIN_MS } from "./constants.js";
import { UploaderError } from "./errors.js";
import type { PutTarget } from "./put-request.js";

type Signed = PutTarget & { signedAt: number };

/**
 * Part URLs for one multipart run, signed just in time in batches: the first part that needs a
 * URL signs itself and the next few parts in upload order, so parallel requests share one round
 * trip and no URL is signed long before its part is sent. The URLs the item came with (its first
 * parts, signed with the job) are used first, so a file starts without a round trip. A URL close to
 * expiry, or refused by storage, is signed again — an expired URL is never a failure.
 */
export class PartSigner {
  readonly #urls = new Map<number, Signed>();
  readonly #signing = new Map<number, Promise<void>>();
  readonly #position: Map<number, number>;

  constructor(
    private readonly api: Pick<UploadApi, "signParts">,
    private readonly photoId: string,
    /** Part numbers still to send, in the order they will be sent. */
    private readonly order: readonly number[],
    private readonly batchSize: number,
    /** The run's signal: a batch is shared by several requests, so no single request may cancel it. */
    private readonly runSignal: AbortSignal,
    private readonly now: () => number = Date.now,
    /** URLs that came with the item. Like a PUT URL, one may have waited behind many files: used only while far from expiry. */
    signed: readonly SignedPart[] = [],
  ) {
    this.#position = new Map(order.map((n, i) => [n, i]));
    for (const part of signed) if (this.#position.has(part.partNumber)) this.#keep(part, Number.NEGATIVE_INFINITY);
  }

  async target(partNumber: number, fresh: boolean, signal: AbortSignal): Promise<PutTarget> {
    if (fresh) this.#urls.delete(partNumber);
    const pending = this.#signing.get(partNumber);
    if (pending) await raceSignal(pending, signal);
    const cached = this.#urls.get(partNumber);
    if (cached && !this.#expiring(cached)) return cached;
    await raceSignal(this.#signBatch(partNumber), signal);
    const signed = this.#urls.get(partNumber);
    if (!signed) throw new UploaderError("BAD_RESPONSE", `The server did not sign part ${partNumber}.`);
    return signed;
  }

  /** Part `partNumber` is stored; its URL is of no further use. */
  forget(partNumber: number): void {
    this.#urls.delete(partNumber);
  }

  #signBatch(first: number): Promise<void> {
    const numbers = [first];
    const limit = Math.min(this.batchSize, MAX_PARTS_PER_SIGN_REQUEST);
    for (let i = (this.#position.get(first) ?? this.order.length) + 1; i < this.order.length; i++) {
      if (numbers.length >= limit) break;
      const n = this.order[i]!;
      const have = this.#urls.get(n);
      if (this.#signing.has(n) || (have && !this.#expiring(have))) continue;
      numbers.push(n);
    }
    const signedAt = this.now();
    const batch = this.api.signParts(this.photoId, numbers, this.runSignal).then(({ urls }) => {
      for (const u of urls) this.#keep(u, signedAt);
    });
    const settled = batch.finally(() => {
      for (const n of numbers) if (this.#signing.get(n) === settled) this.#signing.delete(n);
    });
    for (const n of numbers) this.#signing.set(n, settled);
    // Whoever waits on the batch sees its error; this only keeps an abandoned batch from being "unhandled".
    settled.catch(() => {});
    return settled;
  }

  #keep(part: SignedPart, signedAt: number): void {
    const expiresAt = Date.parse(part.expiresAt);
    this.#urls.set(part.partNumber, {
      url: part.url,
      headers: {},
      expiresAt: Number.isNaN(expiresAt) ? null : expiresAt,
      signedAt,
    });
  }

  /** Too close to expiry to start a request with: within the margin, or past half its life if it is short-lived. */
  #expiring(s: Signed): boolean {
    if (s.expiresAt === null) return false;
    const margin = Math.min(URL_EXPIRY_MARGIN_MS, (s.expiresAt - s.signedAt) / 2);
    return this.now() >= s.expiresAt - margin;
  }
}
