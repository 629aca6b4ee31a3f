import { randomUUID } from "node:crypto";
import type { Logger } from "../events/event-bus.js";
import type { Clock } from "./clock.js";
import { parseDestination } from "./destinations.js";
import { createStompParser, encodeFrame, encodeMessageHead, HEARTBEAT, type StompParser } from "./stomp-codec.js";
import type { StompConnection } from "./stomp-connection.js";
import { StompProtocolError } from "./stomp-errors.js";
import {
  isClientCommand,
  STOMP_VERSIONS,
  type StompFrame,
  type StompHeaders,
  type StompLimits,
  type StompVersion,
} from "./stomp-frame.js";
import { type HeartbeatTimers, negotiateHeartbeat, parseHeartBeat, startHeartbeats } from "./stomp-heartbeat.js";
import type { Subscriber, Subscription } from "./subscription-index.js";

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

/** setTimeout's ceiling (~24.8 days); a later expiry is reached in several waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a session needs from its broker. */
export interface SessionHost {
  addSubscription(subscription: Subscription): void;
  removeSubscription(subscription: Subscription): void;
  sessionClosed(session: StompSession): void;
}

const SERVER_NAME = "RapidPhoto";

/**
 * One STOMP connection: new → connected → closed. Frames are handled strictly one after another
 * (CONNECT and SUBSCRIBE await injected checks), so a RECEIPT always follows everything before it.
 */
export class StompSession implements Subscriber {
  readonly id = randomUUID();
  userId = "";
  /** The CONNECT token, checked again on SUBSCRIBE and every revalidateMs. */
  private token = "";
  private expiresAt = Number.POSITIVE_INFINITY;
  private cancelExpiry: (() => void) | null = null;
  private cancelRevalidation: (() => void) | null = null;
  private state: "new" | "connected" | "closed" = "new";
  private version: StompVersion = "1.2";
  private connectSeen = false;
  private tornDown = false;
  private readonly parser: StompParser;
  private readonly subscriptions = new Map<string, Subscription>();
  private work: Promise<void> = Promise.resolve();
  private pendingFrames = 0;
  private heartbeats: HeartbeatTimers | null = null;
  private connectTimer: NodeJS.Timeout | null;
  private lastReceivedAt = Date.now();
  private messageCount = 0;

  constructor(
    private readonly connection: StompConnection,
    private readonly config: SessionConfig,
    private readonly host: SessionHost,
  ) {
    this.parser = createStompParser({
      limits: config.limits,
      onFrame: (frame) => this.receive(frame),
      onError: (error) => this.fail(error),
    });
    connection.onData((chunk) => {
      // A closing transport may still deliver what was in flight; it is not worth parsing.
      if (this.state === "closed") return;
      this.lastReceivedAt = Date.now();
      this.parser.push(chunk);
    });
    connection.onOversized(() =>
      this.fail(new StompProtocolError("FRAME_TOO_LARGE", `at most ${config.limits.maxFrameBytes} bytes`)),
    );
    connection.onClose(() => this.teardown());
    this.connectTimer = setTimeout(() => {
      if (this.state === "new") this.fail(new StompProtocolError("CONNECT_TIMEOUT"));
    }, config.connectTimeoutMs).unref();
  }

  get isConnected(): boolean {
    return this.state === "connected";
  }

  /** `tail` comes from encodeMessageTail, encoded once per event for every subscriber. */
  deliver(subscription: Subscription, tail: string): void {
    if (this.state !== "connected") return;
    const head = encodeMessageHead(
      {
        subscription: subscription.id,
        messageId: `${this.id}-${++this.messageCount}`,
        destination: subscription.destination.name,
      },
      this.version,
    );
    this.connection.write(head + tail);
    if (this.connection.bufferedBytes() > this.config.maxBufferedBytes) {
      this.config.logger.warn(
        { session: this.id, userId: this.userId },
        "stomp: dropping a client that cannot keep up",
      );
      this.end("destroy");
    }
  }

  /** Closes without an ERROR frame (shutdown, or a drop the client should simply recover from). */
  close(): void {
    this.end("close");
  }

  /** The user signed out everywhere: ERROR, then close; the client must not come back with this token. */
  revoke(): void {
    this.fail(new StompProtocolError("SESSION_REVOKED"));
  }

  private receive(frame: StompFrame): void {
    if (this.state === "closed") return;
    // Escaping depends on the version, so it must be known before the next pipelined frame is parsed.
    if (!this.connectSeen && (frame.command === "CONNECT" || frame.command === "STOMP")) {
      this.connectSeen = true;
      this.parser.version = negotiateVersion(frame.headers["accept-version"]) ?? "1.2";
    }
    if (++this.pendingFrames > this.config.maxPendingFrames) {
      this.fail(new StompProtocolError("TOO_MANY_PENDING_FRAMES"));
      return;
    }
    this.work = this.work
      .then(() => this.handle(frame))
      .catch((err: unknown) => this.config.logger.error({ err, session: this.id }, "stomp: frame handling failed"))
      .finally(() => {
        this.pendingFrames -= 1;
      });
  }

  private async handle(frame: StompFrame): Promise<void> {
    if (this.state === "closed") return;
    try {
      await this.dispatch(frame);
    } catch (error) {
      if (error instanceof StompProtocolError) {
        this.fail(error, frame.headers.receipt);
      } else {
        this.config.logger.error({ err: error, session: this.id, command: frame.command }, "stomp: internal error");
        this.fail(new StompProtocolError("INTERNAL"), frame.headers.receipt);
      }
    }
  }

  private async dispatch(frame: StompFrame): Promise<void> {
    const { command } = frame;
    if (!isClientCommand(command)) throw new StompProtocolError("NOT_A_CLIENT_FRAME", command);
    if (this.state === "new") {
      if (command !== "CONNECT" && command !== "STOMP") throw new StompProtocolError("NOT_CONNECTED", `got ${command}`);
      return this.connect(frame.headers);
    }
    switch (command) {
      case "CONNECT":
      case "STOMP":
        throw new StompProtocolError("ALREADY_CONNECTED");
      case "SUBSCRIBE":
        await this.subscribe(frame.headers);
        break;
      case "UNSUBSCRIBE":
        this.unsubscribe(frame.headers);
        break;
      case "DISCONNECT":
        this.sendReceipt(frame.headers);
        this.end("close");
        return;
      case "SEND":
        throw new StompProtocolError("SEND_NOT_ALLOWED");
      case "ACK":
      case "NACK":
      case "BEGIN":
      case "COMMIT":
      case "ABORT":
        throw new StompProtocolError("UNSUPPORTED_COMMAND", command);
    }
    if (this.state === "connected") this.sendReceipt(frame.headers);
  }

  private async connect(headers: StompHeaders): Promise<void> {
    const version = negotiateVersion(headers["accept-version"]);
    if (!version) {
      throw new StompProtocolError(
        "UNSUPPORTED_VERSION",
        `accept-version was ${JSON.stringify(headers["accept-version"])}`,
      );
    }
    this.version = version;
    // Heart-beating does not exist in 1.0.
    const clientBeats = version === "1.0" ? { cx: 0, cy: 0 } : parseHeartBeat(headers["heart-beat"]);
    const token = connectToken(headers);

    let user: Awaited<ReturnType<Authenticate>>;
    try {
      user = await this.config.authenticate(token);
    } catch (err) {
      this.config.logger.error({ err, session: this.id }, "stomp: authenticate failed");
      throw new StompProtocolError("AUTH_UNAVAILABLE");
    }
    if (this.state === "closed") return;
    if (!user) throw new StompProtocolError("UNAUTHENTICATED", "invalid or expired token");

    this.userId = user.userId;
    this.token = token;
    this.expiresAt = user.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    this.state = "connected";
    this.clearConnectTimer();
    this.scheduleExpiry();
    this.scheduleRevalidation();
    const { heartbeatMs } = this.config;
    this.write({
      command: "CONNECTED",
      headers: {
        version,
        ...(version === "1.0" ? {} : { "heart-beat": `${heartbeatMs},${heartbeatMs}` }),
        server: SERVER_NAME,
        session: this.id,
      },
    });
    this.heartbeats = startHeartbeats(negotiateHeartbeat(clientBeats, heartbeatMs), {
      send: () => this.connection.write(HEARTBEAT),
      lastReceivedAt: () => this.lastReceivedAt,
      onDeadPeer: (silentForMs) => {
        this.config.logger.info(
          { session: this.id, userId: this.userId, silentForMs },
          "stomp: peer stopped heart-beating",
        );
        this.end("destroy");
      },
    });
    this.config.logger.debug({ session: this.id, userId: this.userId, version }, "stomp: connected");
  }

  private async subscribe(headers: StompHeaders): Promise<void> {
    const destinationName = requireHeader(headers, "destination");
    // 1.0 made `id` optional; such a subscription is named by its destination.
    const id = this.version === "1.0" ? (headers.id ?? destinationName) : requireHeader(headers, "id");
    if ((headers.ack ?? "auto") !== "auto") throw new StompProtocolError("UNSUPPORTED_ACK_MODE");
    if (this.subscriptions.has(id)) throw new StompProtocolError("DUPLICATE_SUBSCRIPTION");
    if (this.subscriptions.size >= this.config.maxSubscriptions) {
      throw new StompProtocolError("TOO_MANY_SUBSCRIPTIONS", `at most ${this.config.maxSubscriptions}`);
    }
    const destination = parseDestination(destinationName);
    if (!destination) throw new StompProtocolError("UNKNOWN_DESTINATION");
    // The token that opened the connection must still be good (not expired, revoked or orphaned).
    if (this.config.clock.now() >= this.expiresAt) throw new StompProtocolError("TOKEN_EXPIRED");
    if (!(await this.stillSignedIn())) throw new StompProtocolError("UNAUTHENTICATED", "sign in again");
    if (this.isClosed()) return;
    if (destination.kind === "job") {
      let allowed: boolean;
      try {
        allowed = await this.config.authorizeJob(this.userId, destination.jobId);
      } catch (err) {
        this.config.logger.error({ err, session: this.id, jobId: destination.jobId }, "stomp: authorizeJob failed");
        throw new StompProtocolError("INTERNAL");
      }
      if (this.isClosed()) return;
      // Same answer for "someone else's" and "no such job": existence never leaks.
      if (!allowed) throw new StompProtocolError("FORBIDDEN_DESTINATION");
    }
    const subscription: Subscription = { id, destination, subscriber: this };
    this.subscriptions.set(id, subscription);
    this.host.addSubscription(subscription);
  }

  private unsubscribe(headers: StompHeaders): void {
    const id =
      this.version === "1.0" ? (headers.id ?? requireHeader(headers, "destination")) : requireHeader(headers, "id");
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new StompProtocolError("UNKNOWN_SUBSCRIPTION");
    this.subscriptions.delete(id);
    this.host.removeSubscription(subscription);
  }

  /** A method, not `this.state === "closed"`: TypeScript keeps that narrowed across an await. */
  private isClosed(): boolean {
    return this.state === "closed";
  }

  /** Asks authenticate again about the CONNECT token; an outage is AUTH_UNAVAILABLE, not a sign-out. */
  private async stillSignedIn(): Promise<boolean> {
    let user: { userId: string } | null;
    try {
      user = await this.config.authenticate(this.token);
    } catch (err) {
      this.config.logger.error({ err, session: this.id }, "stomp: authenticate failed");
      throw new StompProtocolError("AUTH_UNAVAILABLE");
    }
    return user?.userId === this.userId;
  }

  /** Closes the connection with ERROR when its token expires. */
  private scheduleExpiry(): void {
    if (!Number.isFinite(this.expiresAt)) return;
    const left = this.expiresAt - this.config.clock.now();
    if (left <= 0) {
      this.fail(new StompProtocolError("TOKEN_EXPIRED"));
      return;
    }
    this.cancelExpiry = this.config.clock.setTimeout(() => this.scheduleExpiry(), Math.min(left, MAX_TIMER_MS));
  }

  private scheduleRevalidation(): void {
    if (this.config.revalidateMs <= 0) return;
    this.cancelRevalidation = this.config.clock.setTimeout(() => {
      // In line with the frames, so it never races a SUBSCRIBE's own checks.
      this.work = this.work.then(() => this.revalidate());
    }, this.config.revalidateMs);
  }

  private async revalidate(): Promise<void> {
    if (this.state !== "connected") return;
    let signedIn: boolean;
    try {
      signedIn = await this.stillSignedIn();
    } catch {
      // Auth is down: keep the connection (the outage is not the user's doing) and ask again later.
      this.scheduleRevalidation();
      return;
    }
    if (this.state !== "connected") return;
    if (signedIn) this.scheduleRevalidation();
    else this.fail(new StompProtocolError("UNAUTHENTICATED", "sign in again"));
  }

  private sendReceipt(headers: StompHeaders): void {
    const receipt = headers.receipt;
    if (receipt !== undefined) this.write({ command: "RECEIPT", headers: { "receipt-id": receipt } });
  }

  /** Spec: the server sends ERROR and then closes the connection. */
  private fail(error: StompProtocolError, receipt?: string): void {
    if (this.state === "closed") return;
    this.config.logger.info(
      { session: this.id, userId: this.userId || undefined, code: error.code, detail: error.detail },
      "stomp: protocol error, closing",
    );
    this.write({
      command: "ERROR",
      headers: {
        message: error.summary,
        "content-type": "text/plain",
        ...(receipt === undefined ? {} : { "receipt-id": receipt }),
        ...(error.code === "UNSUPPORTED_VERSION" ? { version: STOMP_VERSIONS.join(",") } : {}),
      },
      body: error.detail ?? error.summary,
    });
    this.end("close");
  }

  private write(frame: Parameters<typeof encodeFrame>[0]): void {
    this.connection.write(encodeFrame(frame, this.version));
  }

  private end(how: "close" | "destroy"): void {
    if (this.state === "closed") return;
    this.teardown();
    if (how === "close") this.connection.close();
    else this.connection.destroy();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.state = "closed";
    this.clearConnectTimer();
    this.cancelExpiry?.();
    this.cancelRevalidation?.();
    this.heartbeats?.stop();
    this.heartbeats = null;
    for (const subscription of this.subscriptions.values()) this.host.removeSubscription(subscription);
    this.subscriptions.clear();
    this.host.sessionClosed(this);
  }
}

/** The highest version both sides speak; a CONNECT without accept-version is 1.0 (spec). */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | null {
  if (acceptVersion === undefined) return "1.0";
  const offered = new Set(acceptVersion.split(",").map((v) => v.trim()));
  for (let i = STOMP_VERSIONS.length - 1; i >= 0; i--) {
    const version = STOMP_VERSIONS[i]!;
    if (offered.has(version)) return version;
  }
  return null;
}

/** `Authorization: Bearer <jwt>` (header name matched case-insensitively), else `passcode`. */
function connectToken(headers: StompHeaders): string {
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  if (authorization !== undefined) {
    const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw new StompProtocolError("UNAUTHENTICATED", "Authorization must be 'Bearer <token>'");
    return match[1];
  }
  const passcode = headers.passcode?.trim();
  if (!passcode) throw new StompProtocolError("UNAUTHENTICATED", "no token in Authorization or passcode");
  return passcode;
}

function requireHeader(headers: StompHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined || value === "") throw new StompProtocolError("MISSING_HEADER", name);
  return value;
}
