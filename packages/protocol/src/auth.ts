import { z } from "zod";

export const PASSWORD_MIN_LENGTH = 8;
// argon2 accepts any length, but an unbounded password is a cheap way to burn server CPU.
export const PASSWORD_MAX_LENGTH = 256;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254) // RFC 5321 path limit
  .pipe(z.email({ message: "Enter a valid email address." }));

export const Credentials = z.object({
  email: Email,
  password: z
    .string()
    .min(PASSWORD_MIN_LENGTH, { message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` })
    .max(PASSWORD_MAX_LENGTH, { message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` }),
});
export type Credentials = z.infer<typeof Credentials>;

/** Login only checks presence: a short password simply fails to match. */
export const LoginRequest = z.object({
  email: Email,
  password: z.string().min(1, { message: "Enter your password." }).max(PASSWORD_MAX_LENGTH),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const AuthResponse = z.object({
  userId: z.string(),
  email: z.string(),
  token: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int().positive(),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

export const MeResponse = z.object({ userId: z.string(), email: z.string() });
export type MeResponse = z.infer<typeof MeResponse>;
