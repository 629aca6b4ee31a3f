import { Writable } from "node:stream";
import { DrizzleQueryError } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendBytes } from "../../test/upload-client.js";
import { makeTestJpeg } from "../../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../../testing/index.js";
import { loggingOptions, redactUrl, serializeError } from "./logging.js";

type Line = { level: number; msg: string; req?: { url: string }; [key: string]: unknown };
const DEBUG = 20;
const INFO = 30;

/** A log destination that keeps every line, parsed. */
function logSink() {
  const lines: Line[] = [];
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      const parts = text.split("\n");
      text = parts.pop() ?? "";
      for (const part of parts) if (part) lines.push(JSON.parse(part));
      done();
    },
  });
  return { stream, lines, raw: () => lines.map((l) => JSON.stringify(l)).join("\n") };
}

const signatureOf = (url: string) => new URL(url).searchParams.get("signature") as string;

describe.each(["info", "debug"] as const)("request logs at LOG_LEVEL=%s", (level) => {
  let server: TestServer;
  const sink = logSink();

  beforeAll(async () => {
    server = await startTestServer({
      env: { LOG_LEVEL: level, LOG_FORMAT: "json" },
      app: { logDestination: sink.stream },
    });
  });
  afterAll(() => server?.close());

  it("never holds a signed URL's signature, and storage PUTs and parts are below info", async () => {
    const { token } = await server.register();
    const small = await makeTestJpeg({ width: 64, height: 48 });
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 7); // just over the single-PUT limit: multipart
    const job = await server.api("POST", "/commands/upload-jobs", {
      token,
      body: {
        files: [
          { filename: "a.jpg", mimeType: "image/jpeg", bytes: small.length },
          { filename: "b.jpg", mimeType: "image/jpeg", bytes: big.length },
        ],
      },
    });
    expect(job.status).toBe(201);
    const [put, multipart] = job.body.items;
    await sendBytes(server, token, put, small);
    await sendBytes(server, token, multipart, big);
    // A PUT with a wrong signature is refused, and its (wrong) signature is not logged either.
    const forged = new URL(put.url);
    forged.searchParams.set("signature", "A".repeat(43));
    expect((await fetch(forged, { method: "PUT", body: small })).status).toBe(403);
    const parts = await server.api("POST", `/commands/upload/${multipart.photoId}/parts`, {
      token,
      body: { partNumbers: [1] },
    });
    const secrets = [signatureOf(put.url), signatureOf(parts.body.urls[0].url), "A".repeat(43)];

    const raw = sink.raw();
    for (const secret of secrets) expect(raw).not.toContain(secret);
    expect(raw).not.toContain(token);

    const storageLines = sink.lines.filter((l) => l.req?.url?.startsWith("/storage/"));
    // A storage URL as a logged string value ("/storage/…"), not any mention: the checkout's own
    // path may hold the word (a folder named h-storage), and log lines carry file paths.
    expect(sink.lines.filter((l) => l.level >= INFO && /"\/storage\//.test(JSON.stringify(l)))).toEqual([]);
    if (level === "debug") {
      // Logged, at debug, with the credential masked (the rest of the URL stays for tracing).
      expect(storageLines.length).toBeGreaterThanOrEqual(3);
      for (const line of storageLines) {
        expect(line.level).toBe(DEBUG);
        expect(line.req?.url).toContain("signature=[redacted]");
      }
    } else {
      expect(storageLines).toEqual([]);
      // API requests are still logged at info.
      expect(sink.lines.some((l) => l.level === INFO && l.req?.url === "/commands/upload-jobs")).toBe(true);
    }
  });

  it("masks authorization and cookie headers wherever a logged object carries them", () => {
    server.app.log.warn(
      {
        headers: { authorization: "Bearer secret-1", cookie: "sid=secret-2" },
        err: { response: { headers: { "set-cookie": "sid=secret-3" } } },
      },
      "something with headers",
    );
    const line = sink.lines.find((l) => l.msg === "something with headers");
    expect(line).toMatchObject({ headers: { authorization: "[redacted]", cookie: "[redacted]" } });
    expect(JSON.stringify(line)).not.toMatch(/secret-\d/);
  });
});

describe("serializeError", () => {
  it("keeps a failed query and drops its parameters, on the error and on what wraps it", () => {
    const failed = new DrizzleQueryError(
      'insert into "users" ("email", "password_hash") values ($1, $2)',
      ["ann@example.com", "$argon2id$secret-hash"],
      new Error("duplicate key value violates unique constraint"),
    );
    const wrapped = new Error("create user failed", { cause: failed });
    for (const error of [failed, wrapped]) {
      const text = JSON.stringify(serializeError(error));
      expect(text).toContain('insert into \\"users\\"');
      expect(text).toContain("duplicate key value");
      expect(text).toContain("params: [redacted]");
      expect(text).not.toMatch(/secret-hash|ann@example/);
    }
  });
});

describe("redactUrl", () => {
  it("masks the disk store's and S3's credentials and keeps everything else", () => {
    expect(redactUrl("/storage/o/k?expires=1&size=3&signature=abc_-123&type=image%2Fjpeg")).toBe(
      "/storage/o/k?expires=1&size=3&signature=[redacted]&type=image%2Fjpeg",
    );
    expect(
      redactUrl(
        "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2025&X-Amz-Security-Token=t0k&X-Amz-Signature=deadbeef",
      ),
    ).toBe(
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]&X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]",
    );
    expect(redactUrl("/api/auth/me")).toBe("/api/auth/me");
    expect(redactUrl("/x?mysignature=keep")).toBe("/x?mysignature=keep");
  });
});

describe("log format", () => {
  it("writes readable lines when asked for pretty, JSON otherwise", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { default: pino } = await import("pino");
    const prettyOptions = loggingOptions({ logLevel: "info", logFormat: "pretty" }, destination).logger as {
      stream: NodeJS.WritableStream;
    };
    pino({ level: "info" }, prettyOptions.stream).info({ photos: 3 }, "hello there");
    await new Promise((r) => setImmediate(r));
    const text = lines.join("");
    expect(text).toContain("INFO");
    expect(text).toContain("hello there");
    expect(() => JSON.parse(text)).toThrow();

    expect(loggingOptions({ logLevel: "info", logFormat: "json" }, destination).logger).toMatchObject({
      stream: destination,
    });
    expect(loggingOptions({ logLevel: "silent", logFormat: undefined }).logger).toBe(false);
  });
});
