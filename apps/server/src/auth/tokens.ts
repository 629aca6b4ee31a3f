import { errors, jwtVerify, SignJWT } from "jose";

export const TOKEN_TTL_SECONDS = 24 * 60 * 60;

export type TokenService = {
  sign(userId: string, ttlSeconds?: number): Promise<{ token: string; expiresIn: number }>;
  /** Returns the user id, or throws TokenError. */
  verify(token: string): Promise<string>;
};

export class TokenError extends Error {
  constructor(readonly reason: "expired" | "invalid") {
    super(reason === "expired" ? "token expired" : "token invalid");
    this.name = "TokenError";
  }
}

export function createTokenService(secret: Uint8Array): TokenService {
  return {
    async sign(userId, ttlSeconds = TOKEN_TTL_SECONDS) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({})
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
        return payload.sub;
      } catch (error) {
        if (error instanceof TokenError) throw error;
        if (error instanceof errors.JWTExpired) throw new TokenError("expired");
        throw new TokenError("invalid");
      }
    },
  };
}
