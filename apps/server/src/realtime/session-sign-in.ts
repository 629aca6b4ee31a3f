import type { SessionConfig } from "./session-config.js";
import { StompProtocolError } from "./stomp-errors.js";

/** setTimeout's ceiling (~24.8 days); a later expiry is reached in several waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type SignInOptions = {
  config: Pick<SessionConfig, "authenticate" | "logger" | "clock" | "revalidateMs">;
  sessionId: string;
  /** Runs a check in line with the session's frames, so it never races a SUBSCRIBE's own checks. */
  enqueue: (check: () => Promise<void>) => void;
  isConnected: () => boolean;
  /** The token expired or its user is signed out: the session sends ERROR and closes. */
  onLost: (error: StompProtocolError) => void;
};

/**
 * A session's sign-in: verifies the CONNECT token, then keeps it honest for the connection's
 * life (closes at the token's expiry, asks authenticate again every revalidateMs and on SUBSCRIBE).
 */
export class SessionSignIn {
  userId = "";
  private token = "";
  private expiresAt = Number.POSITIVE_INFINITY;
  private cancelExpiry: (() => void) | null = null;
  private cancelRevalidation: (() => void) | null = null;

  constructor(private readonly options: SignInOptions) {}

  /** The user behind `token`, or null; an outage is AUTH_UNAVAILABLE, not a sign-out. */
  async verify(token: string): Promise<{ userId: string; expiresAt?: Date } | null> {
    const { config, sessionId } = this.options;
    try {
      return await config.authenticate(token);
    } catch (err) {
      config.logger.error({ err, session: sessionId }, "stomp: authenticate failed");
      throw new StompProtocolError("AUTH_UNAVAILABLE");
    }
  }

  /** The connection is accepted for this user: start watching expiry and revalidation. */
  start(token: string, user: { userId: string; expiresAt?: Date }): void {
    this.userId = user.userId;
    this.token = token;
    this.expiresAt = user.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    this.scheduleExpiry();
    this.scheduleRevalidation();
  }

  /** The token that opened the connection must still be good (not expired, revoked or orphaned). */
  async check(): Promise<void> {
    if (this.options.config.clock.now() >= this.expiresAt) throw new StompProtocolError("TOKEN_EXPIRED");
    if (!(await this.stillSignedIn())) throw new StompProtocolError("UNAUTHENTICATED", "sign in again");
  }

  stop(): void {
    this.cancelExpiry?.();
    this.cancelRevalidation?.();
  }

  private async stillSignedIn(): Promise<boolean> {
    const user = await this.verify(this.token);
    return user?.userId === this.userId;
  }

  /** Closes the connection with ERROR when its token expires. */
  private scheduleExpiry(): void {
    if (!Number.isFinite(this.expiresAt)) return;
    const left = this.expiresAt - this.options.config.clock.now();
    if (left <= 0) {
      this.options.onLost(new StompProtocolError("TOKEN_EXPIRED"));
      return;
    }
    this.cancelExpiry = this.options.config.clock.setTimeout(() => this.scheduleExpiry(), Math.min(left, MAX_TIMER_MS));
  }

  private scheduleRevalidation(): void {
    const { config, enqueue } = this.options;
    if (config.revalidateMs <= 0) return;
    this.cancelRevalidation = config.clock.setTimeout(() => enqueue(() => this.revalidate()), config.revalidateMs);
  }

  private async revalidate(): Promise<void> {
    if (!this.options.isConnected()) return;
    let signedIn: boolean;
    try {
      signedIn = await this.stillSignedIn();
    } catch {
      // Auth is down: keep the connection (the outage is not the user's doing) and ask again later.
      this.scheduleRevalidation();
      return;
    }
    if (!this.options.isConnected()) return;
    if (signedIn) this.scheduleRevalidation();
    else this.options.onLost(new StompProtocolError("UNAUTHENTICATED", "sign in again"));
  }
}
