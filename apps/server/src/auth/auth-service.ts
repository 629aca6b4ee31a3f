import type { AuthResponse, Credentials, LoginRequest, MeResponse } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { users } from "../db/schema.js";
import { AppError } from "../http/app-error.js";
import { newId } from "../ids.js";
import { burnVerification, hashPassword, verifyPassword } from "./passwords.js";
import { TokenError, type TokenService } from "./tokens.js";

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService({ db, tokens }: { db: Db; tokens: TokenService }) {
  async function issue(userId: string, email: string): Promise<AuthResponse> {
    const { token, expiresIn } = await tokens.sign(userId);
    return { userId, email, token, tokenType: "Bearer", expiresIn };
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
      return issue(id, email);
    },

    async login({ email, password }: LoginRequest): Promise<AuthResponse> {
      const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      if (!user) {
        await burnVerification(password);
        throw new AppError("INVALID_CREDENTIALS");
      }
      if (!(await verifyPassword(user.passwordHash, password))) throw new AppError("INVALID_CREDENTIALS");
      return issue(user.id, user.email);
    },

    /** Resolves a bearer token to a user that still exists. */
    async authenticate(token: string): Promise<MeResponse> {
      let userId: string;
      try {
        userId = await tokens.verify(token);
      } catch (error) {
        if (error instanceof TokenError && error.reason === "expired") throw new AppError("TOKEN_EXPIRED");
        throw new AppError("UNAUTHENTICATED", "Your sign-in is not valid. Sign in again.");
      }
      const [user] = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId));
      if (!user) throw new AppError("UNAUTHENTICATED", "Your account no longer exists.");
      return { userId: user.id, email: user.email };
    },
  };
}
