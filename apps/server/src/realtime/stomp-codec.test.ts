import { describe, expect, it } from "vitest";
import { createStompParser, encodeFrame, unescapeHeader } from "./stomp-codec.js";
import { StompEncodeError, type StompErrorCode, StompProtocolError } from "./stomp-errors.js";
import {
  CLIENT_COMMANDS,
  type OutgoingFrame,
  SERVER_COMMANDS,
  type StompFrame,
  type StompLimits,
  type StompVersion,
} from "./stomp-frame.js";

type Parsed = { frames: StompFrame[]; heartbeats: number; errors: StompProtocolError[] };

function parse(chunks: (Buffer | string)[], options: { version?: StompVersion; limits?: Partial<StompLimits> } = {}) {
  const out: Parsed = { frames: [], heartbeats: 0, errors: [] };
  const parser = createStompParser({
    limits: options.limits,
    onFrame: (frame) => out.frames.push(frame),
    onHeartbeat: () => {
      out.heartbeats += 1;
    },
    onError: (error) => out.errors.push(error),
  });
  if (options.version) parser.version = options.version;
  for (const chunk of chunks) parser.push(chunk);
  return out;
}

function parseError(input: Buffer | string, limits?: Partial<StompLimits>): StompErrorCode {
  const { errors, frames } = parse([input], { limits });
  expect(frames).toEqual([]);
  expect(errors).toHaveLength(1);
  return errors[0]!.code;
}

const plain = (frame: StompFrame) => ({
  command: frame.command,
  headers: { ...frame.headers },
  body: frame.body.toString(),
});

describe("stomp codec: frames", () => {
  it.each([...CLIENT_COMMANDS, ...SERVER_COMMANDS])("round-trips a %s frame", (command) => {
    const hasBody = command === "SEND" || command === "MESSAGE" || command === "ERROR";
    const frame: OutgoingFrame = {
      command,
      headers: { destination: "/topic/job/job_12345678", id: "sub-0" },
      ...(hasBody ? { body: '{"type":"job"}' } : {}),
    };
    const { frames, errors } = parse([encodeFrame(frame, "1.2")]);
    expect(errors).toEqual([]);
    expect(frames.map(plain)).toEqual([
      {
        command,
        headers: { ...frame.headers, ...(hasBody ? { "content-length": "14" } : {}) },
        body: hasBody ? '{"type":"job"}' : "",
      },
    ]);
  });

  it("ends a body without content-length at the first NUL", () => {
    const { frames } = parse(["SEND\ndestination:/a\n\nhello\0"]);
    expect(frames.map(plain)).toEqual([{ command: "SEND", headers: { destination: "/a" }, body: "hello" }]);
  });

  it("keeps NULs and arbitrary bytes in a content-length body", () => {
    const body = Buffer.from([0x00, 0xff, 0x00, 0x0a, 0x00, 0x80, 0x00]);
    const frame = Buffer.concat([
      Buffer.from(`SEND\ndestination:/a\ncontent-length:${body.length}\n\n`),
      body,
      Buffer.from([0]),
    ]);
    const { frames, errors } = parse([frame]);
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(Buffer.compare(frames[0]!.body, body)).toBe(0);
  });

  it("accepts CRLF line endings", () => {
    const { frames } = parse(["SUBSCRIBE\r\nid:1\r\ndestination:/user/queue/jobs\r\n\r\n\0"]);
    expect(frames.map(plain)).toEqual([
      { command: "SUBSCRIBE", headers: { id: "1", destination: "/user/queue/jobs" }, body: "" },
    ]);
  });

  it("keeps the first of repeated headers", () => {
    const { frames } = parse(["SUBSCRIBE\nid:first\nid:second\n\n\0"]);
    expect(frames[0]!.headers.id).toBe("first");
  });

  it("splits a header at the first colon only", () => {
    const { frames } = parse(["CONNECT\nhost:example.com:15674\n\n\0"]);
    expect(frames[0]!.headers.host).toBe("example.com:15674");
  });

  it("reads several frames and heart-beat EOLs from one chunk", () => {
    const chunk = "\nSUBSCRIBE\nid:1\n\n\0\r\n\nUNSUBSCRIBE\nid:1\n\n\0\nDISCONNECT\nreceipt:r\n\n\0";
    const { frames, heartbeats, errors } = parse([chunk]);
    expect(errors).toEqual([]);
    expect(frames.map((f) => f.command)).toEqual(["SUBSCRIBE", "UNSUBSCRIBE", "DISCONNECT"]);
    expect(heartbeats).toBe(4);
  });

  it("parses a heart-beat whose CRLF is split across chunks", () => {
    const { heartbeats, errors } = parse(["\r", "\n", "\r", "\n"]);
    expect(errors).toEqual([]);
    expect(heartbeats).toBe(2);
  });

  it("gives the same frames however the bytes are split", () => {
    const binary = Buffer.from([0x7b, 0x00, 0x7d, 0x00]);
    const stream = Buffer.concat([
      Buffer.from("\n"),
      Buffer.from(
        encodeFrame({ command: "SUBSCRIBE", headers: { id: "a\\b:c", destination: "/user/queue/jobs" } }, "1.2"),
      ),
      Buffer.from("\r\n"),
      Buffer.from(`SEND\r\ndestination:/x\r\ncontent-length:${binary.length}\r\n\r\n`),
      binary,
      Buffer.from([0]),
      Buffer.from(encodeFrame({ command: "ERROR", headers: { message: "é ü" }, body: "ünïcödé ✓" }, "1.2")),
      Buffer.from("\n\n"),
    ]);
    const whole = parse([stream]);
    expect(whole.errors).toEqual([]);
    expect(whole.frames).toHaveLength(3);
    expect(whole.frames[0]!.headers.id).toBe("a\\b:c");
    expect(whole.frames[2]!.body.toString()).toBe("ünïcödé ✓");

    for (let cut = 1; cut < stream.length; cut++) {
      const split = parse([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(split, `split at byte ${cut}`).toEqual(whole);
    }
    const byteByByte = parse([...stream].map((byte) => Buffer.from([byte])));
    expect(byteByByte).toEqual(whole);
  });

  it("accepts string chunks and measures content-length in bytes", () => {
    const body = "ünïcödé\0✓";
    const { frames, errors } = parse([encodeFrame({ command: "MESSAGE", headers: {}, body }, "1.2")]);
    expect(errors).toEqual([]);
    expect(frames[0]!.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(frames[0]!.body.toString()).toBe(body);
  });
});

describe("stomp codec: header escaping", () => {
  const tricky = { "we:ird\\name": "line1\nline2\r\\back:colon" };

  it("round-trips \\\\ \\n \\r \\c in names and values under 1.2", () => {
    const wire = encodeFrame({ command: "MESSAGE", headers: tricky, body: "" }, "1.2");
    expect(wire).toContain("we\\cird\\\\name:line1\\nline2\\r\\\\back\\ccolon\n");
    const { frames } = parse([wire], { version: "1.2" });
    expect(frames[0]!.headers).toMatchObject(tricky);
  });

  it("round-trips under 1.1, which has no \\r escape", () => {
    const headers = { "a:b": "x\ny\\z" };
    const { frames } = parse([encodeFrame({ command: "MESSAGE", headers, body: "" }, "1.1")], { version: "1.1" });
    expect(frames[0]!.headers).toMatchObject(headers);
    expect(() => encodeFrame({ command: "MESSAGE", headers: { a: "x\ry" } }, "1.1")).toThrow(StompEncodeError);
    expect(() => unescapeHeader("x\\ry", "1.1")).toThrow(StompProtocolError);
  });

  it("does not escape under 1.0", () => {
    const { frames } = parse(["MESSAGE\nkey:a\\nb\n\n\0"], { version: "1.0" });
    expect(frames[0]!.headers.key).toBe("a\\nb");
    expect(encodeFrame({ command: "MESSAGE", headers: { key: "a\\b:c" } }, "1.0")).toBe("MESSAGE\nkey:a\\b:c\n\n\0");
    expect(() => encodeFrame({ command: "MESSAGE", headers: { key: "a\nb" } }, "1.0")).toThrow(StompEncodeError);
    expect(() => encodeFrame({ command: "MESSAGE", headers: { "a:b": "c" } }, "1.0")).toThrow(StompEncodeError);
  });

  it("never escapes CONNECT or CONNECTED headers", () => {
    const { frames, errors } = parse(["CONNECT\npasscode:a\\tb\\c\n\n\0"]);
    expect(errors).toEqual([]);
    expect(frames[0]!.headers.passcode).toBe("a\\tb\\c");
    expect(encodeFrame({ command: "CONNECTED", headers: { server: "a\\b" } }, "1.2")).toBe(
      "CONNECTED\nserver:a\\b\n\n\0",
    );
  });

  it.each([
    ["an undefined escape", "SUBSCRIBE\nid:a\\tb\n\n\0"],
    ["a backslash at the end", "SUBSCRIBE\nid:ab\\\n\n\0"],
    ["an escape in a header name", "SUBSCRIBE\ni\\xd:1\n\n\0"],
  ])("rejects %s", (_, frame) => {
    expect(parseError(frame)).toBe("INVALID_ESCAPE");
  });
});

describe("stomp codec: malformed input", () => {
  it.each<[string, string | Buffer, StompErrorCode]>([
    ["an unknown command", "FOO\n\n\0", "UNKNOWN_COMMAND"],
    ["a lower-case command", "connect\n\n\0", "UNKNOWN_COMMAND"],
    ["a NUL before the command", "\0CONNECT\n\n\0", "UNKNOWN_COMMAND"],
    ["a header without a colon", "SUBSCRIBE\nid\n\n\0", "MALFORMED_HEADER"],
    ["a header with an empty name", "SUBSCRIBE\n:x\n\n\0", "MALFORMED_HEADER"],
    ["a bare CR inside a header", "SUBSCRIBE\nid:a\rb\n\n\0", "MALFORMED_HEADER"],
    ["a bare CR between frames", "\rCONNECT\n\n\0", "MALFORMED_EOL"],
    ["a negative content-length", "SEND\ncontent-length:-1\n\n\0", "INVALID_CONTENT_LENGTH"],
    ["a non-numeric content-length", "SEND\ncontent-length:abc\n\n\0", "INVALID_CONTENT_LENGTH"],
    ["a padded content-length", "SEND\ncontent-length: 3\n\nabc\0", "INVALID_CONTENT_LENGTH"],
    ["a body longer than content-length", "SEND\ncontent-length:2\n\nabc\0", "CONTENT_LENGTH_MISMATCH"],
    ["a body on SUBSCRIBE", "SUBSCRIBE\nid:1\n\nhello\0", "BODY_NOT_ALLOWED"],
    [
      "invalid UTF-8 in a header",
      Buffer.from([...Buffer.from("SUBSCRIBE\nid:"), 0xc3, 0x28, 0x0a, 0x0a, 0x00]),
      "INVALID_UTF8",
    ],
  ])("rejects %s", (_, input, code) => {
    expect(parseError(input)).toBe(code);
  });

  it("rejects a frame over the size limit before its end arrives", () => {
    const limits = { maxFrameBytes: 100 };
    expect(parseError(`SEND\ndestination:/a\n\n${"x".repeat(200)}`, limits)).toBe("FRAME_TOO_LARGE");
    expect(parseError("SEND\ncontent-length:1000\n\n", limits)).toBe("FRAME_TOO_LARGE");
    // Exactly at the limit is fine: 5 + 15 + 1 + 78 + 1 = 100 bytes; one more is not.
    const { frames, errors } = parse([`SEND\ndestination:/a\n\n${"x".repeat(78)}\0`], { limits });
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(1);
    expect(parseError(`SEND\ndestination:/a\n\n${"x".repeat(79)}\0`, limits)).toBe("FRAME_TOO_LARGE");
  });

  it("rejects too many headers", () => {
    const headers = Array.from({ length: 5 }, (_, i) => `h${i}:v\n`).join("");
    expect(parseError(`SUBSCRIBE\n${headers}\n\0`, { maxHeaders: 4 })).toBe("TOO_MANY_HEADERS");
    expect(parse([`SUBSCRIBE\n${headers}\n\0`], { limits: { maxHeaders: 5 } }).errors).toEqual([]);
  });

  it("rejects a header line over the limit, even before its EOL arrives", () => {
    expect(parseError(`SUBSCRIBE\nid:${"x".repeat(100)}\n\n\0`, { maxHeaderBytes: 50 })).toBe("HEADER_TOO_LONG");
    expect(parseError(`SUBSCRIBE\nid:${"x".repeat(100)}`, { maxHeaderBytes: 50 })).toBe("HEADER_TOO_LONG");
    expect(parseError("X".repeat(100), { maxHeaderBytes: 50 })).toBe("HEADER_TOO_LONG");
  });

  it("reports one error and then ignores all input", () => {
    const out = parse(["FOO\n\n\0", "CONNECT\n\n\0", "BAR\n\n\0"]);
    expect(out.frames).toEqual([]);
    expect(out.errors.map((e) => e.code)).toEqual(["UNKNOWN_COMMAND"]);
  });

  it("delivers the frames before a malformed one", () => {
    const out = parse(["CONNECT\n\n\0SUBSCRIBE\nbad\n\n\0"]);
    expect(out.frames.map((f) => f.command)).toEqual(["CONNECT"]);
    expect(out.errors.map((e) => e.code)).toEqual(["MALFORMED_HEADER"]);
  });
});

describe("stomp codec: encoding", () => {
  it("computes content-length itself, in UTF-8 bytes", () => {
    const wire = encodeFrame({ command: "MESSAGE", headers: { "content-length": "999" }, body: "€" }, "1.2");
    expect(wire).toBe("MESSAGE\ncontent-length:3\n\n€\0");
  });

  it("refuses a body on a frame that cannot carry one", () => {
    expect(() => encodeFrame({ command: "RECEIPT", headers: {}, body: "x" }, "1.2")).toThrow(StompEncodeError);
  });
});

describe("fan-out encoding", () => {
  it("head + shared tail is byte-for-byte the frame encodeFrame writes, in every version", async () => {
    const { encodeMessageHead, encodeMessageTail } = await import("./stomp-codec.js");
    const body = JSON.stringify({ type: "photo", filename: "ünïcödé:\n.jpg" });
    const headers = { subscription: "sub:1\\x", messageId: "s-1-7", destination: "/topic/job/job_abcdefgh" };
    for (const version of ["1.0", "1.1", "1.2"] as const) {
      const safe = version === "1.0" ? { ...headers, subscription: "sub-1" } : headers;
      const whole = encodeFrame(
        {
          command: "MESSAGE",
          headers: {
            subscription: safe.subscription,
            "message-id": safe.messageId,
            destination: safe.destination,
            "content-type": "application/json",
          },
          body,
        },
        version,
      );
      expect(encodeMessageHead(safe, version) + encodeMessageTail(body)).toBe(whole);
    }
  });
});
