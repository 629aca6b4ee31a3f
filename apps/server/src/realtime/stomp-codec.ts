import { StompEncodeError, StompProtocolError } from "./stomp-errors.js";
import {
  BODY_COMMANDS,
  DEFAULT_STOMP_LIMITS,
  isStompCommand,
  type OutgoingFrame,
  type StompCommand,
  type StompFrame,
  type StompLimits,
  type StompVersion,
  usesHeaderEscaping,
} from "./stomp-frame.js";

/**
 * Pure STOMP 1.0–1.2 codec: bytes in, frames out, no sockets (modelled on stomp-js `parser.ts`).
 * Lengths are in octets, so strings are turned into UTF-8 bytes before parsing and a body with
 * `content-length` may contain NULs. Frames split across chunks and several frames in one chunk
 * both work: the parser keeps the unconsumed tail and resumes where it stopped searching.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);
/** Peer text quoted back in an ERROR body is cut to this length. */
const QUOTE_MAX = 40;

export type StompParserOptions = {
  limits?: Partial<StompLimits>;
  onFrame(frame: StompFrame): void;
  /** A bare EOL between frames: the peer's heart-beat. */
  onHeartbeat?(): void;
  /** Called once; after it the parser ignores all input (the connection is about to close). */
  onError(error: StompProtocolError): void;
};

type Step = { kind: "frame"; frame: StompFrame } | { kind: "heartbeat" } | null;

export class StompParser {
  /**
   * Header (un)escaping depends on the negotiated version. CONNECT is never escaped, so the broker
   * sets this while handling CONNECT — before any frame pipelined after it is parsed.
   */
  version: StompVersion = "1.2";

  private readonly limits: StompLimits;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private buffer: Buffer = EMPTY;
  /** Start of unconsumed input in `buffer`. */
  private pos = 0;
  /** Where to resume searching for LF/NUL, so a frame arriving byte by byte is not rescanned. */
  private scanFrom = 0;
  private state: "idle" | "command" | "headers" | "body" = "idle";
  private failed = false;
  // The frame being read
  private command: StompCommand = "CONNECT";
  private headers: Record<string, string> = Object.create(null);
  private headerCount = 0;
  private frameBytes = 0;
  private contentLength: number | undefined;

  constructor(private readonly options: StompParserOptions) {
    this.limits = { ...DEFAULT_STOMP_LIMITS, ...options.limits };
  }

  push(chunk: Buffer | Uint8Array | string): void {
    if (this.failed) return;
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return;
    const rest = this.buffer.subarray(this.pos);
    this.buffer = rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes;
    this.scanFrom -= this.pos;
    this.pos = 0;

    for (;;) {
      let step: Step;
      try {
        step = this.step();
      } catch (error) {
        if (!(error instanceof StompProtocolError)) throw error;
        this.failed = true;
        this.buffer = EMPTY;
        this.pos = this.scanFrom = 0;
        this.options.onError(error);
        return;
      }
      if (step === null) return;
      if (step.kind === "heartbeat") this.options.onHeartbeat?.();
      else this.options.onFrame(step.frame);
      if (this.failed) return;
    }
  }

  private step(): Step {
    if (this.state === "idle") {
      const eol = this.skipEol();
      if (eol !== "frame") return eol === "heartbeat" ? { kind: "heartbeat" } : null;
      this.beginFrame();
    }
    if (this.state === "command" && !this.readCommand()) return null;
    if (this.state === "headers" && !this.readHeaders()) return null;
    return this.readBody();
  }

  /** Heart-beats are EOLs (LF or CRLF) between frames. */
  private skipEol(): "heartbeat" | "frame" | "more" {
    const { buffer } = this;
    if (this.pos >= buffer.length) return "more";
    const byte = buffer[this.pos];
    if (byte === LF) {
      this.pos += 1;
      this.scanFrom = this.pos;
      return "heartbeat";
    }
    if (byte === CR) {
      if (this.pos + 1 >= buffer.length) return "more";
      if (buffer[this.pos + 1] !== LF) throw new StompProtocolError("MALFORMED_EOL", "CR not followed by LF");
      this.pos += 2;
      this.scanFrom = this.pos;
      return "heartbeat";
    }
    return "frame";
  }

  private beginFrame(): void {
    this.state = "command";
    this.headers = Object.create(null);
    this.headerCount = 0;
    this.frameBytes = 0;
    this.contentLength = undefined;
  }

  private readCommand(): boolean {
    const line = this.readLine();
    if (line === null) return false;
    const text = this.decode(line);
    if (!isStompCommand(text)) throw new StompProtocolError("UNKNOWN_COMMAND", quote(text));
    this.command = text;
    this.state = "headers";
    return true;
  }

  private readHeaders(): boolean {
    for (;;) {
      const line = this.readLine();
      if (line === null) return false;
      if (line.length === 0) break;
      this.addHeader(line);
    }
    this.contentLength = parseContentLength(this.headers["content-length"]);
    if (this.contentLength !== undefined) this.checkFrameSize(this.contentLength + 1);
    this.state = "body";
    return true;
  }

  private addHeader(line: Buffer): void {
    if (this.headerCount >= this.limits.maxHeaders) {
      throw new StompProtocolError("TOO_MANY_HEADERS", `at most ${this.limits.maxHeaders}`);
    }
    if (line.includes(CR)) throw new StompProtocolError("MALFORMED_HEADER", "CR inside a header line");
    const colon = line.indexOf(COLON);
    if (colon === -1) throw new StompProtocolError("MALFORMED_HEADER", `missing colon in ${quote(this.decode(line))}`);
    if (colon === 0) throw new StompProtocolError("MALFORMED_HEADER", "empty header name");
    let name = this.decode(line.subarray(0, colon));
    // A raw ':' in a value is tolerated (split at the first one): 1.0 allows it and CONNECT is never escaped.
    let value = this.decode(line.subarray(colon + 1));
    if (usesHeaderEscaping(this.command, this.version)) {
      name = unescapeHeader(name, this.version);
      value = unescapeHeader(value, this.version);
    }
    this.headerCount += 1;
    if (!Object.hasOwn(this.headers, name)) this.headers[name] = value;
  }

  private readBody(): Step {
    const { buffer } = this;
    let end: number;
    if (this.contentLength !== undefined) {
      end = this.pos + this.contentLength;
      if (end >= buffer.length) return null;
      if (buffer[end] !== NUL) {
        throw new StompProtocolError("CONTENT_LENGTH_MISMATCH", `no NUL after ${this.contentLength} body bytes`);
      }
    } else {
      end = buffer.indexOf(NUL, this.scanFrom);
      if (end === -1) {
        this.scanFrom = buffer.length;
        this.checkFrameSize(buffer.length - this.pos);
        return null;
      }
    }
    const body = Buffer.from(buffer.subarray(this.pos, end));
    this.frameBytes += body.length + 1;
    this.checkFrameSize(0);
    if (body.length > 0 && !BODY_COMMANDS.has(this.command)) {
      throw new StompProtocolError("BODY_NOT_ALLOWED", `${this.command} frames carry no body`);
    }
    this.pos = this.scanFrom = end + 1;
    this.state = "idle";
    return { kind: "frame", frame: { command: this.command, headers: this.headers, body } };
  }

  /** One line without its EOL (LF or CRLF), or null when it has not fully arrived. */
  private readLine(): Buffer | null {
    const { buffer, limits } = this;
    const lf = buffer.indexOf(LF, this.scanFrom);
    if (lf === -1) {
      this.scanFrom = buffer.length;
      // +1: a trailing CR may be the first half of the CRLF still to come.
      if (buffer.length - this.pos > limits.maxHeaderBytes + 1) throw headerTooLong(limits);
      this.checkFrameSize(buffer.length - this.pos);
      return null;
    }
    const end = lf > this.pos && buffer[lf - 1] === CR ? lf - 1 : lf;
    const line = buffer.subarray(this.pos, end);
    if (line.length > limits.maxHeaderBytes) throw headerTooLong(limits);
    this.frameBytes += lf + 1 - this.pos;
    this.checkFrameSize(0);
    this.pos = this.scanFrom = lf + 1;
    return line;
  }

  private checkFrameSize(pendingBytes: number): void {
    if (this.frameBytes + pendingBytes > this.limits.maxFrameBytes) {
      throw new StompProtocolError("FRAME_TOO_LARGE", `at most ${this.limits.maxFrameBytes} bytes`);
    }
  }

  private decode(bytes: Buffer): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw new StompProtocolError("INVALID_UTF8");
    }
  }
}

export function createStompParser(options: StompParserOptions): StompParser {
  return new StompParser(options);
}

/**
 * One frame as a string: transports here (SockJS, WebSocket text messages) carry text, and every
 * server body is JSON or plain text. `content-length` is always the UTF-8 byte length.
 */
export function encodeFrame(frame: OutgoingFrame, version: StompVersion): string {
  const escaping = usesHeaderEscaping(frame.command, version);
  let out = `${frame.command}\n`;
  for (const [name, value] of Object.entries(frame.headers)) {
    if (name === "content-length") continue;
    out += headerLine(name, value, escaping, version);
  }
  if (frame.body !== undefined) {
    if (frame.body.length > 0 && !BODY_COMMANDS.has(frame.command)) {
      throw new StompEncodeError(`${frame.command} frames carry no body`);
    }
    out += `content-length:${Buffer.byteLength(frame.body, "utf8")}\n`;
  }
  return `${out}\n${frame.body ?? ""}\0`;
}

function headerLine(name: string, value: string, escaping: boolean, version: StompVersion): string {
  if (name.length === 0) throw new StompEncodeError("empty header name");
  return escaping
    ? `${escapeHeader(name, version)}:${escapeHeader(value, version)}\n`
    : `${checkRaw(name, true)}:${checkRaw(value, false)}\n`;
}

/**
 * Fan-out sends one event to many subscribers whose MESSAGE frames differ only in three headers.
 * The shared tail (content headers, body, NUL) is encoded once per event with this, and each
 * subscriber's frame is `encodeMessageHead(…) + tail`: the same bytes encodeFrame would produce.
 */
export function encodeMessageTail(jsonBody: string): string {
  return `content-type:application/json\ncontent-length:${Buffer.byteLength(jsonBody, "utf8")}\n\n${jsonBody}\0`;
}

export function encodeMessageHead(
  headers: { subscription: string; messageId: string; destination: string },
  version: StompVersion,
): string {
  const escaping = usesHeaderEscaping("MESSAGE", version);
  return (
    "MESSAGE\n" +
    headerLine("subscription", headers.subscription, escaping, version) +
    headerLine("message-id", headers.messageId, escaping, version) +
    headerLine("destination", headers.destination, escaping, version)
  );
}

/** The server's heart-beat: one EOL. */
export const HEARTBEAT = "\n";

const ESCAPES_12: Record<string, string> = { "\\": "\\\\", "\r": "\\r", "\n": "\\n", ":": "\\c" };

function escapeHeader(text: string, version: StompVersion): string {
  // 1.1 defines no \r escape, so a CR cannot be carried at all.
  if (version === "1.1" && text.includes("\r")) throw new StompEncodeError("STOMP 1.1 cannot carry CR in a header");
  return text.replace(/[\\\r\n:]/g, (ch) => ESCAPES_12[ch] ?? ch);
}

function checkRaw(text: string, isName: boolean): string {
  if (/[\r\n]/.test(text) || (isName && text.includes(":"))) {
    throw new StompEncodeError(`unescaped header cannot carry ${JSON.stringify(text)}`);
  }
  return text;
}

/** Spec: undefined escape sequences such as \t MUST be treated as a fatal protocol error. */
export function unescapeHeader(text: string, version: StompVersion): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\([\s\S]?)/g, (_, ch: string) => {
    switch (ch) {
      case "\\":
        return "\\";
      case "n":
        return "\n";
      case "c":
        return ":";
      case "r":
        if (version === "1.2") return "\r";
        break;
    }
    throw new StompProtocolError("INVALID_ESCAPE", ch === "" ? "backslash at end of header" : `\\${quote(ch)}`);
  });
}

function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Octets as a plain decimal number: no sign, no spaces, and well inside the safe-integer range.
  if (!/^[0-9]{1,15}$/.test(value)) throw new StompProtocolError("INVALID_CONTENT_LENGTH", quote(value));
  return Number(value);
}

function headerTooLong(limits: StompLimits): StompProtocolError {
  return new StompProtocolError("HEADER_TOO_LONG", `at most ${limits.maxHeaderBytes} bytes per line`);
}

function quote(text: string): string {
  const cut = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
  return JSON.stringify(cut);
}
