import { describe, expect, it } from "vitest";
import { NetworkError } from "../errors.js";
import { createXhrTransport } from "./xhr-transport.js";

/** Just enough of XMLHttpRequest to drive the transport: the test plays the network. */
class FakeXhr {
  static last: FakeXhr;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  sent: unknown = null;
  status = 0;
  responseText = "";
  responseHeaders: Record<string, string> = {};
  aborted = false;
  upload: { onprogress: ((e: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }
  send(body: unknown) {
    this.sent = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
}

const transport = createXhrTransport({ createXhr: () => new FakeXhr() as unknown as XMLHttpRequest });

describe("XHR transport", () => {
  it("sends the body with the signed headers, reports progress, and returns status and ETag", async () => {
    const progress: number[] = [];
    const body = new Uint8Array(10);
    const put = transport.put({
      url: "https://bucket/key?sig",
      headers: { "Content-Type": "image/jpeg" },
      body,
      signal: new AbortController().signal,
      onProgress: (n) => progress.push(n),
    });
    const xhr = FakeXhr.last;
    expect([xhr.method, xhr.url, xhr.headers, xhr.sent]).toEqual([
      "PUT",
      "https://bucket/key?sig",
      { "Content-Type": "image/jpeg" },
      body,
    ]);
    xhr.upload.onprogress?.({ loaded: 4 });
    xhr.upload.onprogress?.({ loaded: 10 });
    xhr.status = 200;
    xhr.responseHeaders = { etag: '"abc"' };
    xhr.onload?.();
    await expect(put).resolves.toEqual({ status: 200, etag: '"abc"', retryAfter: null, body: "" });
    expect(progress).toEqual([4, 10]);
  });

  it("resolves non-2xx answers with their Retry-After and body", async () => {
    const put = transport.put({
      url: "u",
      headers: {},
      body: new Uint8Array(1),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const xhr = FakeXhr.last;
    xhr.status = 503;
    xhr.responseHeaders = { "retry-after": "2" };
    xhr.responseText = "<Error>SlowDown</Error>";
    xhr.onload?.();
    await expect(put).resolves.toMatchObject({ status: 503, retryAfter: "2", body: "<Error>SlowDown</Error>" });
  });

  it("turns a network error into NetworkError and an abort into the signal's reason", async () => {
    const failing = transport.put({
      url: "u",
      headers: {},
      body: new Uint8Array(1),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    FakeXhr.last.onerror?.();
    await expect(failing).rejects.toBeInstanceOf(NetworkError);

    const controller = new AbortController();
    const aborted = transport.put({
      url: "u",
      headers: {},
      body: new Uint8Array(1),
      signal: controller.signal,
      onProgress: () => {},
    });
    const reason = new Error("paused");
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(FakeXhr.last.aborted).toBe(true);
  });
});
