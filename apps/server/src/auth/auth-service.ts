import type { AuthResponse, Credentials, LoginRequest, MeResponse } from "@rapidphoto/protocol";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { users } from "../db/schema.js";
import type { SessionsRevoked } from "../events/job-event.js";
import { AppError } from "../http/app-error.js";
import { newId } from "../ids.js";
import { burnVerification, hashPassword, verifyPassword } from "./passwords.js";
import { TokenError, type TokenService, type VerifiedToken } from "./tokens.js";

export type AuthService = ReturnType<typeof createAuthService>;

/** A signed-in user and when their token stops being valid. */
export type AuthSession = MeResponse & { expiresAt: Date };

export function createAuthService({
  db,
  tokens,
  publish,
}: {
  db: Db;
  tokens: TokenService;
  /** Tells every instance a user's sessions were revoked; never rejects. */
  publish: (event: SessionsRevoked) => Promise<void>;
}) {
  async function issue(userId: string, email: string, version: number): Promise<AuthResponse> {
    const { token, expiresIn } = await tokens.sign(userId, undefined, version);
    return { userId, email, token, tokenType: "Bearer", expiresIn };
  }

  /** Resolves a bearer token to a user that still exists and has not revoked it. */
  async function session(token: string): Promise<AuthSession> {
    let verified: VerifiedToken;
    try {
      verified = await tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenError && error.reason === "expired") throw new AppError("TOKEN_EXPIRED");
      throw new AppError("UNAUTHENTICATED", "Your sign-in is not valid. Sign in again.");
    }
    const [user] = await db
      .select({ id: users.id, email: users.email, tokenVersion: users.tokenVersion })
      .from(users)
      .where(eq(users.id, verified.userId));
    if (!user) throw new AppError("UNAUTHENTICATED", "Your account no longer exists.");
    if (user.tokenVersion !== verified.version) {
      throw new AppError("UNAUTHENTICATED", "You were signed out everywhere. Sign in again.");
    }
    return { userId: user.id, email: user.email, expiresAt: verified.expiresAt };
  }

  return {
    async register({ email, password }: Credentials): Promise<AuthResponse> {
      const passwordHash = await hashPassword(password);
      const id = newId("user");
      const inserted = await db
        .insert(users)
        .values({ id, email, passwordHash })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
      if (inserted.length === 0) throw new AppError("EMAIL_TAKEN");
      return issue(id, email, 0);
    },

    async login({ email, password }: LoginRequest): Promise<AuthResponse> {
      const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      if (!user) {
        await burnVerification(password);
        throw new AppError("INVALID_CREDENTIALS");
      }
      if (!(await verifyPassword(user.passwordHash, password))) throw new AppError("INVALID_CREDENTIALS");
      return issue(user.id, user.email, user.tokenVersion);
    },

    session,

    /** Resolves a bearer token to a user that still exists and has not revoked it. */
    async authenticate(token: string): Promise<MeResponse> {
      const { userId, email } = await session(token);
      return { userId, email };
    },

    /**
     * Makes every token issued so far invalid (HTTP at once, on every instance, since each request
     * reads the version) and closes the user's sockets everywhere through the event bus.
     */
    async signOutEverywhere(userId: string): Promise<void> {
      await db
        .update(users)
        .set({ tokenVersion: sql`${users.tokenVersion} + 1` })
        .where(eq(users.id, userId));
      await publish({ kind: "sessions-revoked", userId });
    },
  };
}
