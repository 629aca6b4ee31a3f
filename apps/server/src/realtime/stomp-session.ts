import { randomUUID } from "node:crypto";
import { SKIP_FOLLOWED_JOBS_HEADER } from "@rapidphoto/protocol";
import { parseDestination } from "./destinations.js";
import type { SessionConfig } from "./session-config.js";
import { SessionSignIn } from "./session-sign-in.js";
import { createStompParser, encodeFrame, encodeMessageHead, HEARTBEAT, type StompParser } from "./stomp-codec.js";
import type { StompConnection } from "./stomp-connection.js";
import { StompProtocolError } from "./stomp-errors.js";
import {
  isClientCommand,
  STOMP_VERSIONS,
  type StompFrame,
  type StompHeaders,
  type StompVersion,
} from "./stomp-frame.js";
import { connectToken, negotiateVersion, requireHeader } from "./stomp-headers.js";
import { type HeartbeatTimers, negotiateHeartbeat, parseHeartBeat, startHeartbeats } from "./stomp-heartbeat.js";
import type { Subscriber, Subscription } from "./subscription-index.js";

/** What a session needs from its broker. */
export interface SessionHost {
  addSubscription(subscription: Subscription): void;
  /** `unsubscribe`: the client asked (UNSUBSCRIBE); `closed`: the connection is gone. */
  removeSubscription(subscription: Subscription, why: "unsubscribe" | "closed"): void;
  sessionClosed(session: StompSession): void;
}

const SERVER_NAME = "RapidPhoto";

/**
 * One STOMP connection: new → connected → closed. Frames are handled strictly one after another
 * (CONNECT and SUBSCRIBE await injected checks), so a RECEIPT always follows everything before it.
 */
export class StompSession implements Subscriber {
  readonly id = randomUUID();
  private readonly signIn: SessionSignIn;
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
    this.signIn = new SessionSignIn({
      config,
      sessionId: this.id,
      enqueue: (check) => {
        this.work = this.work.then(check);
      },
      isConnected: () => this.state === "connected",
      onLost: (error) => this.fail(error),
    });
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

  get userId(): string {
    return this.signIn.userId;
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

    const user = await this.signIn.verify(token);
    if (this.state === "closed") return;
    if (!user) throw new StompProtocolError("UNAUTHENTICATED", "invalid or expired token");

    this.state = "connected";
    this.clearConnectTimer();
    this.signIn.start(token, user);
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
    await this.signIn.check();
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
    const subscription: Subscription = {
      id,
      destination,
      subscriber: this,
      skipFollowed: destination.kind === "user-jobs" && headers[SKIP_FOLLOWED_JOBS_HEADER] === "true",
    };
    this.subscriptions.set(id, subscription);
    this.host.addSubscription(subscription);
  }

  private unsubscribe(headers: StompHeaders): void {
    const id =
      this.version === "1.0" ? (headers.id ?? requireHeader(headers, "destination")) : requireHeader(headers, "id");
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new StompProtocolError("UNKNOWN_SUBSCRIPTION");
    this.subscriptions.delete(id);
    this.host.removeSubscription(subscription, "unsubscribe");
  }

  /** A method, not `this.state === "closed"`: TypeScript keeps that narrowed across an await. */
  private isClosed(): boolean {
    return this.state === "closed";
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
    this.signIn.stop();
    this.heartbeats?.stop();
    this.heartbeats = null;
    for (const subscription of this.subscriptions.values()) this.host.removeSubscription(subscription, "closed");
    this.subscriptions.clear();
    this.host.sessionClosed(this);
  }
}
