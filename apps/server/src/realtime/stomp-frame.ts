/** STOMP frame vocabulary (https://stomp.github.io/stomp-specification-1.2.html), shared by codec and broker. */

export const STOMP_VERSIONS = ["1.0", "1.1", "1.2"] as const;
export type StompVersion = (typeof STOMP_VERSIONS)[number];

export const CLIENT_COMMANDS = [
  "CONNECT",
  "STOMP",
  "SEND",
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "ACK",
  "NACK",
  "BEGIN",
  "COMMIT",
  "ABORT",
  "DISCONNECT",
] as const;
export const SERVER_COMMANDS = ["CONNECTED", "MESSAGE", "RECEIPT", "ERROR"] as const;

export type ClientCommand = (typeof CLIENT_COMMANDS)[number];
export type ServerCommand = (typeof SERVER_COMMANDS)[number];
export type StompCommand = ClientCommand | ServerCommand;

const COMMANDS: ReadonlySet<string> = new Set<string>([...CLIENT_COMMANDS, ...SERVER_COMMANDS]);
export function isStompCommand(value: string): value is StompCommand {
  return COMMANDS.has(value);
}

const CLIENT: ReadonlySet<string> = new Set<string>(CLIENT_COMMANDS);
export function isClientCommand(command: StompCommand): command is ClientCommand {
  return CLIENT.has(command);
}

/** Only these frames may carry a body (spec: "All other frames MUST NOT have a body"). */
export const BODY_COMMANDS: ReadonlySet<StompCommand> = new Set<StompCommand>(["SEND", "MESSAGE", "ERROR"]);

/**
 * CONNECT, STOMP and CONNECTED headers are never escaped: they are exchanged before the version
 * is agreed, and 1.0 peers would not understand the escapes.
 */
export function usesHeaderEscaping(command: StompCommand, version: StompVersion): boolean {
  return version !== "1.0" && command !== "CONNECT" && command !== "STOMP" && command !== "CONNECTED";
}

/** Header name → value; on repeated headers the first one wins (spec "Repeated Header Entries"). */
export type StompHeaders = Readonly<Record<string, string>>;

/** A frame as parsed: the body is raw bytes (it may hold NULs when content-length is given). */
export type StompFrame = {
  readonly command: StompCommand;
  readonly headers: StompHeaders;
  readonly body: Buffer;
};

/** A frame to encode. Header order is kept; content-length is computed, never taken from `headers`. */
export type OutgoingFrame = {
  readonly command: StompCommand;
  readonly headers: StompHeaders;
  readonly body?: string;
};

export type StompLimits = {
  /** Whole frame: command, headers, body and the NUL. */
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
  /** One header line (or the command line), without its EOL. */
  readonly maxHeaderBytes: number;
};

/**
 * Clients only send CONNECT/SUBSCRIBE/UNSUBSCRIBE/DISCONNECT here (SEND is refused), so frames are
 * small; the largest legitimate header is `Authorization: Bearer <jwt>` at well under 8 KiB.
 */
export const DEFAULT_STOMP_LIMITS: StompLimits = {
  maxFrameBytes: 64 * 1024,
  maxHeaders: 32,
  maxHeaderBytes: 8 * 1024,
};
