import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Signed URLs for the disk adapter. A URL carries what it permits (its grant) and an HMAC-SHA256
 * over the method, key, upload id, part number, expiry, size limits, content type and download
 * name. Change any of them, or use the URL for another key, part or method, and the MAC no longer
 * matches: a URL works for exactly one object or part until it expires. Nothing is stored server-side.
 */
export type Grant =
  /** PUT of a whole object; the body must be exactly `size` bytes. */
  | { kind: "put"; key: string; size: number; contentType: string }
  /** PUT of one multipart part; the body may be at most `maxBytes`. */
  | { kind: "part"; key: string; uploadId: string; partNumber: number; maxBytes: number }
  /** GET/HEAD of an object, optionally as a download named `filename`. */
  | { kind: "get"; key: string; filename?: string };

/** A verified grant and when it expires (epoch seconds). */
export type VerifiedGrant = Grant & { expires: number };

export type SignedUrlErrorCode = "SIGNATURE_INVALID" | "SIGNATURE_EXPIRED";

export class SignedUrlError extends Error {
  constructor(
    readonly code: SignedUrlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SignedUrlError";
  }
}

export type UrlSigner = {
  /** Query parameters that, appended to the object's URL, grant `grant` until `expiresAt`. */
  sign(grant: Grant, expiresInSec: number): { query: URLSearchParams; expiresAt: Date };
  /**
   * Checks a request against its query. The signature is checked before the expiry, so a tampered
   * URL is SIGNATURE_INVALID even when it has also expired. Throws SignedUrlError.
   */
  verify(method: "GET" | "PUT", key: string, query: unknown): VerifiedGrant;
};

const MIN_SECRET_BYTES = 32; // HMAC-SHA256 gains nothing from more, and is weakened by less
const SIGNATURE_VERSION = "rapidphoto-storage-v1";

const integer = z
  .string()
  .regex(/^(0|[1-9]\d{0,15})$/)
  .transform(Number);
const SignedQuery = z.object({
  expires: integer,
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/), // 32 bytes, base64url without padding
  size: integer.optional(),
  type: z.string().max(255).optional(),
  max: integer.optional(),
  uploadId: z.string().max(128).optional(),
  partNumber: integer.optional(),
  filename: z.string().max(1024).optional(),
});

export function createUrlSigner(secret: Buffer, now: () => number = Date.now): UrlSigner {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new TypeError(`The storage signing secret must be at least ${MIN_SECRET_BYTES} bytes.`);
  }
  const mac = (grant: Grant, expires: number) =>
    createHmac("sha256", secret).update(canonical(grant, expires)).digest();

  return {
    sign(grant, expiresInSec) {
      if (!Number.isInteger(expiresInSec) || expiresInSec < 1) {
        throw new RangeError(`expiresInSec must be a positive integer, got ${expiresInSec}.`);
      }
      const expires = Math.floor(now() / 1000) + expiresInSec;
      const query = grantQuery(grant);
      query.set("expires", String(expires));
      query.set("signature", mac(grant, expires).toString("base64url"));
      return { query, expiresAt: new Date(expires * 1000) };
    },

    verify(method, key, query) {
      const parsed = SignedQuery.safeParse(query);
      if (!parsed.success) throw new SignedUrlError("SIGNATURE_INVALID", "The signed URL is malformed.");
      const q = parsed.data;
      const grant = grantFrom(method, key, q);
      if (!grant) throw new SignedUrlError("SIGNATURE_INVALID", "The signed URL is malformed.");
      const expected = mac(grant, q.expires);
      const given = Buffer.from(q.signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new SignedUrlError("SIGNATURE_INVALID", "The signed URL's signature does not match.");
      }
      if (q.expires * 1000 <= now()) throw new SignedUrlError("SIGNATURE_EXPIRED", "The signed URL has expired.");
      return { ...grant, expires: q.expires };
    },
  };
}

/** The signed string. JSON keeps fields unambiguous whatever characters they hold. */
function canonical(grant: Grant, expires: number): string {
  const fields =
    grant.kind === "put"
      ? ["PUT", grant.key, null, null, null, grant.size, grant.contentType, null]
      : grant.kind === "part"
        ? ["PUT", grant.key, grant.uploadId, grant.partNumber, grant.maxBytes, null, null, null]
        : ["GET", grant.key, null, null, null, null, null, grant.filename ?? null];
  return JSON.stringify([SIGNATURE_VERSION, grant.kind, ...fields, expires]);
}

function grantQuery(grant: Grant): URLSearchParams {
  switch (grant.kind) {
    case "put":
      return new URLSearchParams({ size: String(grant.size), type: grant.contentType });
    case "part":
      return new URLSearchParams({
        uploadId: grant.uploadId,
        partNumber: String(grant.partNumber),
        max: String(grant.maxBytes),
      });
    case "get":
      return new URLSearchParams(grant.filename === undefined ? {} : { filename: grant.filename });
  }
}

/** Rebuilds the grant a request claims; null when the query cannot describe one for this method. */
function grantFrom(method: "GET" | "PUT", key: string, q: z.infer<typeof SignedQuery>): Grant | null {
  if (method === "GET") return { kind: "get", key, ...(q.filename === undefined ? {} : { filename: q.filename }) };
  if (q.uploadId !== undefined) {
    if (q.partNumber === undefined || q.max === undefined) return null;
    return { kind: "part", key, uploadId: q.uploadId, partNumber: q.partNumber, maxBytes: q.max };
  }
  if (q.size === undefined || q.type === undefined) return null;
  return { kind: "put", key, size: q.size, contentType: q.type };
}
