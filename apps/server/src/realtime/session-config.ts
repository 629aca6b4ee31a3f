import type { Logger } from "../events/event-bus.js";
import type { Clock } from "./clock.js";
import type { StompLimits } from "./stomp-frame.js";

/**
 * Verifies a token: the user, and when the token expires (the connection is closed then); null
 * for a bad, expired or revoked token or a deleted user. Throwing means "auth is down".
 */
export type Authenticate = (token: string) => Promise<{ userId: string; expiresAt?: Date } | null>;
export type AuthorizeJob = (userId: string, jobId: string) => Promise<boolean>;

export type SessionConfig = {
  authenticate: Authenticate;
  authorizeJob: AuthorizeJob;
  logger: Logger;
  /** The server's heart-beat capability both ways (its `sx,sy`); 0 disables heart-beats. */
  heartbeatMs: number;
  limits: StompLimits;
  maxSubscriptions: number;
  /** A peer that lets this much pile up unsent cannot keep up; it is dropped and refetches on reconnect. */
  maxBufferedBytes: number;
  /** Frames waiting behind a slow CONNECT/SUBSCRIBE check; bounds memory against a flooding peer. */
  maxPendingFrames: number;
  /** An unauthenticated socket gets this long to complete CONNECT, so idle ones cannot pile up. */
  connectTimeoutMs: number;
  /**
   * How often a connection's token is checked again (0: never), so a user deleted, or signed out
   * everywhere while the revocation broadcast was lost, does not keep a socket open.
   */
  revalidateMs: number;
  clock: Clock;
};
