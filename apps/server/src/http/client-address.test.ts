import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";

/** Login attempts with a wrong password, each claiming another client address through X-Forwarded-For. */
async function wrongPasswords(server: TestServer, count: number, forwardedFor: (i: number) => string) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor(i) },
      body: JSON.stringify({ email: "victim@example.com", password: `guess number ${i}` }),
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

describe("client address and rate limits", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("ignores X-Forwarded-For by default: 25 wrong passwords from 'different' addresses hit 429", async () => {
    server = await startTestServer({ env: { AUTH_RATE_LIMIT: "20" } });
    const statuses = await wrongPasswords(server, 25, (i) => `203.0.113.${i + 1}`);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
  });

  it("with TRUST_PROXY naming the proxy, limits each forwarded client address on its own", async () => {
    // The test talks to the server from 127.0.0.1: that is the trusted proxy here.
    server = await startTestServer({ env: { AUTH_RATE_LIMIT: "3", TRUST_PROXY: "127.0.0.1" } });
    const spread = await wrongPasswords(server, 6, (i) => `198.51.100.${i + 1}`);
    expect(spread).toEqual(Array(6).fill(401));
    const oneClient = await wrongPasswords(server, 4, () => "198.51.100.200");
    expect(oneClient).toEqual([401, 401, 401, 429]);
    // A client's own X-Forwarded-For entry in front of the proxy's is not believed: the right-most
    // untrusted address counts, and that one is already limited.
    const spoofed = await wrongPasswords(server, 2, (i) => `10.9.9.${i}, 198.51.100.200`);
    expect(spoofed).toEqual([429, 429]);
  });

  it("with a hop count, the address the last proxy saw counts", async () => {
    server = await startTestServer({ env: { AUTH_RATE_LIMIT: "2", TRUST_PROXY: "1" } });
    expect(await wrongPasswords(server, 3, (i) => `192.0.2.${i + 1}`)).toEqual([401, 401, 401]);
    expect(await wrongPasswords(server, 3, () => "192.0.2.99")).toEqual([401, 401, 429]);
  });
});
