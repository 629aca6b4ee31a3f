import { STOMP_AUTH_ERRORS } from "@rapidphoto/protocol";

/**
 * Every way a STOMP peer can break the protocol, with the short text sent in the ERROR frame's
 * `message` header. Texts avoid ':' and line breaks so they read the same under every STOMP
 * version's (lack of) header escaping.
 */
export const STOMP_ERRORS = {
  // Framing (the codec)
  FRAME_TOO_LARGE: "Frame too large",
  TOO_MANY_HEADERS: "Too many headers",
  HEADER_TOO_LONG: "Header line too long",
  UNKNOWN_COMMAND: "Unknown command",
  MALFORMED_HEADER: "Malformed header",
  INVALID_ESCAPE: "Invalid header escape sequence",
  INVALID_UTF8: "Invalid UTF-8 in frame",
  INVALID_CONTENT_LENGTH: "Invalid content-length",
  CONTENT_LENGTH_MISMATCH: "Body does not match content-length",
  BODY_NOT_ALLOWED: "This frame must not have a body",
  MALFORMED_EOL: "Malformed end of line",
  // Session (the broker)
  NOT_CONNECTED: "Not connected",
  CONNECT_TIMEOUT: "No CONNECT received in time",
  ALREADY_CONNECTED: "Already connected",
  UNSUPPORTED_VERSION: "Supported protocol versions are 1.0 1.1 1.2",
  INVALID_HEART_BEAT: "Invalid heart-beat header",
  ...STOMP_AUTH_ERRORS,
  AUTH_UNAVAILABLE: "Authentication is unavailable, try again later",
  MISSING_HEADER: "Missing required header",
  UNKNOWN_DESTINATION: "Unknown destination",
  FORBIDDEN_DESTINATION: "Not allowed to subscribe to this destination",
  DUPLICATE_SUBSCRIPTION: "Subscription id already in use",
  UNKNOWN_SUBSCRIPTION: "No such subscription",
  TOO_MANY_SUBSCRIPTIONS: "Too many subscriptions on this connection",
  UNSUPPORTED_ACK_MODE: "Only ack auto is supported",
  SEND_NOT_ALLOWED: "SEND is not accepted, this server only pushes",
  UNSUPPORTED_COMMAND: "Command not supported by this server",
  NOT_A_CLIENT_FRAME: "Servers do not accept this frame",
  TOO_MANY_PENDING_FRAMES: "Too many frames in flight",
  INTERNAL: "Internal server error",
} as const;

export type StompErrorCode = keyof typeof STOMP_ERRORS;

/** A protocol violation by the peer. The session answers it with an ERROR frame and closes. */
export class StompProtocolError extends Error {
  override readonly name = "StompProtocolError";
  readonly code: StompErrorCode;
  /** Longer, peer-safe explanation; goes into the ERROR frame's body. */
  readonly detail: string | undefined;

  constructor(code: StompErrorCode, detail?: string) {
    super(detail ? `${STOMP_ERRORS[code]}: ${detail}` : STOMP_ERRORS[code]);
    this.code = code;
    this.detail = detail;
  }

  /** The short text for the ERROR frame's `message` header. */
  get summary(): string {
    return STOMP_ERRORS[this.code];
  }
}

/** The server tried to encode something STOMP cannot carry: a bug in the caller, never peer input. */
export class StompEncodeError extends Error {
  override readonly name = "StompEncodeError";
}
