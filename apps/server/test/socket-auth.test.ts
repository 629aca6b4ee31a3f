import { jobTopic, STOMP_AUTH_ERRORS, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenService } from "../src/auth/tokens.js";
import { users } from "../src/db/schema.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { manualClock } from "./support/manual-clock.js";
import { connectFrame, eventually, rawStomp } from "./support/realtime-test-kit.js";
import { startTwoInstances, type TwoInstances } from "./support/two-instances.js";

const JWT_SECRET = "socket-auth-test-secret-0123456789abcdef";
const tokens = createTokenService(new TextEncoder().encode(JWT_SECRET));
const REVALIDATE_MS = 60_000;

/** A raw STOMP client, connected as `token` and subscribed to the user's queue. */
async function connected(server: TestServer, token: string) {
  const stomp = await rawStomp(server.url);
  stomp.send(connectFrame({ Authorization: `Bearer ${token}` }));
  await stomp.frame("CONNECTED");
  stomp.send({ command: "SUBSCRIBE", headers: { id: "q", destination: USER_JOBS_QUEUE, receipt: "q-ok" } });
  await stomp.frame("RECEIPT");
  return stomp;
}

async function closedWithError(stomp: Awaited<ReturnType<typeof rawStomp>>, message: string) {
  const error = await stomp.frame("ERROR");
  expect(error.headers.message).toBe(message);
  await stomp.closed;
}

describe("socket authorisation follows the token", () => {
  let server: TestServer;
  const time = manualClock();

  beforeAll(async () => {
    server = await startTestServer({
      env: { JWT_SECRET },
      app: { realtime: { clock: time.clock, revalidateMs: REVALIDATE_MS } },
    });
  });
  afterAll(() => server?.close());

  it("closes a connection with ERROR when its token expires, and not before", async () => {
    const { userId } = await server.register();
    const { token } = await tokens.sign(userId, 120);
    time.set(Date.now()); // the token's clock (jose's) and the broker's agree from here
    const stomp = await connected(server, token);
    time.advance(118_000); // exp is whole seconds: up to a second earlier than signing time + 120 s
    // Still open and still authorised a second before expiry.
    stomp.send({ command: "SUBSCRIBE", headers: { id: "s2", destination: USER_JOBS_QUEUE, receipt: "before" } });
    await eventually(() => expect(stomp.frames.filter((f) => f.command === "RECEIPT")).toHaveLength(2));
    time.advance(2_000);
    await closedWithError(stomp, STOMP_AUTH_ERRORS.TOKEN_EXPIRED);
  });

  it("refuses a SUBSCRIBE sent after expiry even if the expiry timer has not run yet", async () => {
    const { userId } = await server.register();
    const { token } = await tokens.sign(userId, 60);
    time.set(Date.now());
    const stomp = await connected(server, token);
    time.set(time.clock.now() + 61_000);
    stomp.send({ command: "SUBSCRIBE", headers: { id: "late", destination: USER_JOBS_QUEUE, receipt: "late" } });
    await closedWithError(stomp, STOMP_AUTH_ERRORS.TOKEN_EXPIRED);
    expect(stomp.frames.filter((f) => f.command === "RECEIPT")).toHaveLength(1);
  });

  it("closes a deleted user's connections: at the next SUBSCRIBE, and at the next revalidation", async () => {
    const { userId, token } = await server.register();
    time.set(Date.now());
    const subscribing = await connected(server, token);
    const idle = await connected(server, token);
    await server.app.database.db.delete(users).where(eq(users.id, userId));

    subscribing.send({ command: "SUBSCRIBE", headers: { id: "j", destination: jobTopic("job_deleted01") } });
    await closedWithError(subscribing, STOMP_AUTH_ERRORS.UNAUTHENTICATED);

    time.advance(REVALIDATE_MS);
    await closedWithError(idle, STOMP_AUTH_ERRORS.UNAUTHENTICATED);
  });

  it("signs out everywhere: that user's sockets close with ERROR, old tokens get 401, others are untouched", async () => {
    const alice = await server.register();
    const bob = await server.register();
    const aliceSockets = [await connected(server, alice.token), await connected(server, alice.token)];
    const bobSocket = await connected(server, bob.token);

    const out = await server.api("POST", "/api/auth/sign-out-everywhere", { token: alice.token });
    expect(out.status).toBe(204);
    for (const socket of aliceSockets) await closedWithError(socket, STOMP_AUTH_ERRORS.SESSION_REVOKED);

    const me = await server.api("GET", "/api/auth/me", { token: alice.token });
    expect(me.status).toBe(401);
    expect(me.body.code).toBe("UNAUTHENTICATED");
    const reconnect = await rawStomp(server.url);
    reconnect.send(connectFrame({ Authorization: `Bearer ${alice.token}` }));
    expect((await reconnect.frame("ERROR")).headers.message).toBe(STOMP_AUTH_ERRORS.UNAUTHENTICATED);

    // Signing in again gives a token that works.
    const login = await server.api("POST", "/api/auth/login", {
      body: { email: alice.email, password: "correct horse battery" },
    });
    expect(login.status).toBe(200);
    expect((await server.api("GET", "/api/auth/me", { token: login.body.token })).status).toBe(200);
    await connected(server, login.body.token);

    // Bob's socket is still open and usable.
    bobSocket.send({ command: "SUBSCRIBE", headers: { id: "b2", destination: `${USER_JOBS_QUEUE}`, receipt: "b2" } });
    await eventually(() => expect(bobSocket.frames.filter((f) => f.command === "RECEIPT")).toHaveLength(2));
    expect(bobSocket.frames.some((f) => f.command === "ERROR")).toBe(false);
    expect((await server.api("POST", "/api/auth/sign-out-everywhere")).status).toBe(401);
  });
});

describe("sign out everywhere across instances", () => {
  let pair: TwoInstances | undefined;

  beforeAll(async () => {
    pair = await startTwoInstances({ jwtSecret: JWT_SECRET, argv: { a: ["--role=web"], b: ["--role=web"] } });
  });
  afterAll(() => pair?.close());

  it("closes the user's sockets on every instance, through the event bus", async ({ skip }) => {
    if (!pair) skip();
    const { a: sa, b: sb } = pair as TwoInstances;
    const { token } = await sa.register();
    const onA = await connected(sa, token);
    const onB = await connected(sb, token);
    expect((await sa.api("POST", "/api/auth/sign-out-everywhere", { token })).status).toBe(204);
    await closedWithError(onA, STOMP_AUTH_ERRORS.SESSION_REVOKED);
    await closedWithError(onB, STOMP_AUTH_ERRORS.SESSION_REVOKED);
    expect((await sb.api("GET", "/api/auth/me", { token })).status).toBe(401);
  });
});
