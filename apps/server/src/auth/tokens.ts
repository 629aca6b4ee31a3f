import { errors, jwtVerify, SignJWT } from "jose";

export const TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** What a valid token says: whose it is, which of the user's token versions, and until when. */
export type VerifiedToken = { userId: string; version: number; expiresAt: Date };

export type TokenService = {
  /** `version` is the user's token version at signing (users.token_version). */
  sign(userId: string, ttlSeconds?: number, version?: number): Promise<{ token: string; expiresIn: number }>;
  /** Throws TokenError. */
  verify(token: string): Promise<VerifiedToken>;
};

export class TokenError extends Error {
  constructor(readonly reason: "expired" | "invalid") {
    super(reason === "expired" ? "token expired" : "token invalid");
    this.name = "TokenError";
  }
}

/** The claim holding the token version; tokens signed before it existed count as version 0. */
const VERSION_CLAIM = "ver";

export function createTokenService(secret: Uint8Array): TokenService {
  return {
    async sign(userId, ttlSeconds = TOKEN_TTL_SECONDS, version = 0) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ [VERSION_CLAIM]: version })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(secret);
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      try {
        // jose accepts a token without `exp` as never expiring: ours always carry one, so require it.
        const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
        if (typeof payload.sub !== "string" || !payload.sub.startsWith("user_")) throw new TokenError("invalid");
        const version = payload[VERSION_CLAIM] ?? 0;
        if (!Number.isSafeInteger(version)) throw new TokenError("invalid");
        return { userId: payload.sub, version: version as number, expiresAt: new Date((payload.exp as number) * 1000) };
      } catch (error) {
        if (error instanceof TokenError) throw error;
        if (error instanceof errors.JWTExpired) throw new TokenError("expired");
        throw new TokenError("invalid");
      }
    },
  };
}
