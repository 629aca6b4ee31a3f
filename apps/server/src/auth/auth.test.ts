import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../../testing/services.js";
import { users } from "../db/schema.js";
import { createTokenService } from "./tokens.js";

const backends = [
  { name: "PGlite", setup: async () => ({ env: {}, teardown: async () => {} }) },
  {
    name: "PostgreSQL",
    setup: async () => {
      if (!(await postgresAvailable())) return null;
      const temp = await createTempPostgresDatabase();
      return { env: { DATABASE_URL: temp.url }, teardown: temp.drop };
    },
  },
];

describe.each(backends)("auth on $name", ({ setup }) => {
  let server: TestServer;
  let teardown = async () => {};
  let available = true;

  beforeAll(async () => {
    const env = await setup();
    if (!env) {
      available = false;
      return;
    }
    teardown = env.teardown;
    server = await startTestServer({ env: env.env });
  });
  afterAll(async () => {
    await server?.close();
    await teardown();
  });

  it("registers, trims and lower-cases the email, and signs in", async ({ skip }) => {
    if (!available) skip();
    const reg = await server.api("POST", "/api/auth/register", {
      body: { email: "  Ada.Lovelace@Example.COM ", password: "analytical engine" },
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ email: "ada.lovelace@example.com", tokenType: "Bearer", expiresIn: 86400 });
    expect(reg.body.userId).toMatch(/^user_/);

    const me = await server.api("GET", "/api/auth/me", { token: reg.body.token });
    expect(me).toEqual({ status: 200, body: { userId: reg.body.userId, email: "ada.lovelace@example.com" } });

    const login = await server.api("POST", "/api/auth/login", {
      body: { email: "ADA.LOVELACE@example.com", password: "analytical engine" },
    });
    expect(login.status).toBe(200);
    expect(login.body.userId).toBe(reg.body.userId);
    const me2 = await server.api("GET", "/api/auth/me", { token: login.body.token });
    expect(me2.status).toBe(200);
  });

  it("stores an argon2id hash, never the password", async ({ skip }) => {
    if (!available) skip();
    const { userId } = await server.register(undefined, "hunter2hunter2");
    const [row] = await server.app.database.db.select().from(users).where(eq(users.id, userId));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain("hunter2");
  });

  it("rejects a malformed email and a short password with field details", async ({ skip }) => {
    if (!available) skip();
    const res = await server.api("POST", "/api/auth/register", { body: { email: "not-an-email", password: "short" } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.details.fieldErrors.email).toEqual(["Enter a valid email address."]);
    expect(res.body.details.fieldErrors.password).toEqual(["Use at least 8 characters."]);
    const missing = await server.api("POST", "/api/auth/register", { body: {} });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.details.fieldErrors).sort()).toEqual(["email", "password"]);
  });

  it("refuses a duplicate email, whatever its case", async ({ skip }) => {
    if (!available) skip();
    await server.register("dup@example.com");
    const again = await server.api("POST", "/api/auth/register", {
      body: { email: "DUP@example.com", password: "another password" },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("EMAIL_TAKEN");
  });

  it("answers a wrong password and an unknown email with the same 401", async ({ skip }) => {
    if (!available) skip();
    await server.register("known@example.com", "right password");
    const wrong = await server.api("POST", "/api/auth/login", {
      body: { email: "known@example.com", password: "wrong password" },
    });
    const unknown = await server.api("POST", "/api/auth/login", {
      body: { email: "nobody@example.com", password: "wrong password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.code).toBe("INVALID_CREDENTIALS");
  });

  it("rejects a missing, garbled, expired, foreign or orphaned token", async ({ skip }) => {
    if (!available) skip();
    const me = (token?: string) => server.api("GET", "/api/auth/me", { token });

    const missing = await me();
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe("UNAUTHENTICATED");

    const garbled = await me("not.a.jwt");
    expect(garbled.status).toBe(401);
    expect(garbled.body.code).toBe("UNAUTHENTICATED");

    const { userId, token } = await server.register();
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await me(tampered)).status).toBe(401);

    const secretFile = path.join(server.dataDir, "jwt.secret");
    const secret = Buffer.from((await readFile(secretFile, "utf8")).trim(), "hex");
    const expired = await createTokenService(secret).sign(userId, -10);
    const expiredRes = await me(expired.token);
    expect(expiredRes.status).toBe(401);
    expect(expiredRes.body.code).toBe("TOKEN_EXPIRED");

    const foreign = await createTokenService(Buffer.alloc(32, 7)).sign(userId);
    const foreignRes = await me(foreign.token);
    expect(foreignRes.status).toBe(401);
    expect(foreignRes.body.code).toBe("UNAUTHENTICATED");

    // A token that never expires is refused, even when its signature is ours.
    const endless = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userId)
      .setIssuedAt()
      .sign(secret);
    const endlessRes = await me(endless);
    expect(endlessRes.status).toBe(401);
    expect(endlessRes.body.code).toBe("UNAUTHENTICATED");

    await server.app.database.db.delete(users).where(eq(users.id, userId));
    const orphan = await me(token);
    expect(orphan.status).toBe(401);
    expect(orphan.body.code).toBe("UNAUTHENTICATED");
  });
});

describe("auth hardening", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_RATE_LIMIT: "3" } });
  });
  afterAll(() => server.close());

  it("rate-limits login attempts per client", async () => {
    const attempt = () =>
      server.api("POST", "/api/auth/login", { body: { email: "x@example.com", password: "whatever1" } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await attempt();
    expect(limited.body.code).toBe("RATE_LIMITED");
  });
});

describe("signing secret", () => {
  it("is generated once, private to the owner, and keeps tokens valid across a restart", async () => {
    const server = await startTestServer();
    const { token } = await server.register();
    const file = path.join(server.dataDir, "jwt.secret");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const before = await readFile(file, "utf8");

    await server.app.close(); // a restart: same DATA_DIR, new process state
    const { buildApp } = await import("../app.js");
    const restarted = await buildApp(server.config);
    try {
      const res = await restarted.inject({
        method: "GET",
        url: "/api/auth/me",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(await readFile(file, "utf8")).toBe(before);
    } finally {
      await restarted.close();
      await rm(server.dataDir, { recursive: true, force: true });
    }
  });
});
