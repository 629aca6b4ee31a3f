import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createUrlSigner, type Grant, SignedUrlError } from "./url-signer.js";

const secret = randomBytes(32);
const query = (params: URLSearchParams) => Object.fromEntries(params);

function expectCode(run: () => unknown, code: SignedUrlError["code"]) {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SignedUrlError);
  expect(caught).toMatchObject({ code });
}

describe("url signer", () => {
  const grants: Grant[] = [
    { kind: "put", key: "u/1/p/original", size: 1234, contentType: "image/jpeg" },
    { kind: "part", key: "u/1/p/original", uploadId: "abcdefghijklmnopqrstuv", partNumber: 7, maxBytes: 8_388_608 },
    { kind: "get", key: "u/1/p/original" },
    { kind: "get", key: "u/1/p/original", filename: "été.jpg" },
  ];

  it.each(grants)("verifies what it signed: $kind", (grant) => {
    const signer = createUrlSigner(secret);
    const { query: q, expiresAt } = signer.sign(grant, 60);
    const method = grant.kind === "get" ? "GET" : "PUT";
    expect(signer.verify(method, grant.key, query(q))).toEqual({ ...grant, expires: expiresAt.getTime() / 1000 });
  });

  it("rejects any changed field, another key, another method or another secret", () => {
    const signer = createUrlSigner(secret);
    const grant = grants[1]!;
    const q = query(signer.sign(grant, 60).query);
    for (const [name, value] of Object.entries({
      partNumber: "8",
      max: "9000000",
      uploadId: "x".repeat(22),
      expires: "9999999999",
    })) {
      expectCode(() => signer.verify("PUT", grant.key, { ...q, [name]: value }), "SIGNATURE_INVALID");
    }
    expectCode(() => signer.verify("PUT", "u/1/p/other", q), "SIGNATURE_INVALID");
    expectCode(() => signer.verify("GET", grant.key, q), "SIGNATURE_INVALID");
    expectCode(() => createUrlSigner(randomBytes(32)).verify("PUT", grant.key, q), "SIGNATURE_INVALID");
  });

  it("rejects malformed queries as invalid, not as a crash", () => {
    const signer = createUrlSigner(secret);
    const q = query(signer.sign(grants[0]!, 60).query);
    for (const bad of [
      {},
      { ...q, size: "12.5" },
      { ...q, size: ["1", "2"] },
      { ...q, signature: "short" },
      null,
      "x",
    ]) {
      expectCode(() => signer.verify("PUT", "u/1/p/original", bad), "SIGNATURE_INVALID");
    }
    const { uploadId: _drop, ...partWithoutUpload } = query(signer.sign(grants[1]!, 60).query);
    expectCode(() => signer.verify("PUT", "u/1/p/original", partWithoutUpload), "SIGNATURE_INVALID");
  });

  it("expires, and checks the signature before the expiry", () => {
    let now = Date.now();
    const signer = createUrlSigner(secret, () => now);
    const q = query(signer.sign(grants[2]!, 60).query);
    now += 60_000;
    expectCode(() => signer.verify("GET", "u/1/p/original", q), "SIGNATURE_EXPIRED");
    expectCode(() => signer.verify("GET", "u/1/p/original", { ...q, filename: "x" }), "SIGNATURE_INVALID");
  });

  it("refuses a short secret and a non-positive expiry", () => {
    expect(() => createUrlSigner(randomBytes(16))).toThrow(TypeError);
    expect(() => createUrlSigner(secret).sign(grants[2]!, 0)).toThrow(RangeError);
  });
});
