import type { IStompSocket } from "@stomp/stompjs";
import { describe, expect, it } from "vitest";
import { wholeMessage, withFastMessages } from "./fast-message-socket";

const message = (subscription: string, body: string, extra = "") =>
  `MESSAGE\nsubscription:${subscription}\nmessage-id:m-1\ndestination:/topic/job/job_a${extra}\ncontent-type:application/json\ncontent-length:${new TextEncoder().encode(body).length}\n\n${body}\0`;

function setup(known = new Set(["sub-0"])) {
  const raw = { url: "fake://ws", readyState: 1, onmessage: null, close() {}, send() {} } as unknown as IStompSocket;
  const fast: [string, string][] = [];
  const stomp: (string | ArrayBuffer | undefined)[] = [];
  const wrapped = withFastMessages(raw, (subscription, body) => {
    if (!known.has(subscription)) return false;
    fast.push([subscription, body]);
    return true;
  });
  wrapped.onmessage = (event: { data?: string | ArrayBuffer }) => stomp.push(event.data);
  const receive = (data: string | ArrayBuffer) => raw.onmessage?.({ data } as never);
  return { wrapped, fast, stomp, receive };
}

describe("wholeMessage", () => {
  it("slices the subscription and body out of one whole MESSAGE frame", () => {
    const body = '{"type":"job","note":"été"}';
    expect(wholeMessage(message("sub-3", body))).toEqual({ subscription: "sub-3", body });
  });

  it.each([
    ["another command", "RECEIPT\nreceipt-id:sub-1\n\n\0"],
    ["part of a frame", message("sub-0", "{}").slice(0, 40)],
    ["two frames", message("sub-0", "{}") + message("sub-0", "{}")],
    ["a frame followed by a heart-beat", `${message("sub-0", "{}")}\n`],
    ["an escaped header", message("sub\\c0", "{}")],
    ["CR-LF line ends", message("sub-0", "{}").replaceAll("\n", "\r\n")],
    ["no subscription header", "MESSAGE\ndestination:/x\n\n{}\0"],
  ])("leaves %s to stompjs", (_what, chunk) => {
    expect(wholeMessage(chunk)).toBeNull();
  });
});

describe("withFastMessages", () => {
  it("hands whole MESSAGE frames to the client, and stompjs an empty chunk (the server is alive)", () => {
    const { fast, stomp, receive } = setup();
    receive("CONNECTED\nversion:1.2\n\n\0");
    receive(message("sub-0", '{"seq":1}'));
    receive("\n");
    receive(message("sub-0", '{"seq":2}'));
    expect(fast).toEqual([
      ["sub-0", '{"seq":1}'],
      ["sub-0", '{"seq":2}'],
    ]);
    expect(stomp).toEqual(["CONNECTED\nversion:1.2\n\n\0", "", "\n", ""]);
  });

  it("leaves a subscription the client does not know to stompjs", () => {
    const { fast, stomp, receive } = setup(new Set());
    const frame = message("sub-9", "{}");
    receive(frame);
    expect(fast).toEqual([]);
    expect(stomp).toEqual([frame]);
  });

  it("takes nothing while stompjs is in the middle of a frame split over chunks", () => {
    const { fast, stomp, receive } = setup();
    const split = message("sub-0", '{"seq":1}');
    receive(split.slice(0, 30));
    const next = message("sub-0", '{"seq":2}');
    receive(split.slice(30, -1)); // still no NUL: mid-frame
    receive(`\0`);
    receive(next);
    expect(stomp).toEqual([split.slice(0, 30), split.slice(30, -1), "\0", ""]);
    expect(fast).toEqual([["sub-0", '{"seq":2}']]);
  });

  it("stops taking frames once stompjs discards the socket", () => {
    const { wrapped, fast, stomp, receive } = setup();
    wrapped.onmessage = () => {}; // stompjs' dispose
    receive(message("sub-0", "{}"));
    expect(fast).toEqual([]);
    const closedSocket = setup();
    closedSocket.wrapped.close();
    closedSocket.receive(message("sub-0", "{}"));
    expect(closedSocket.fast).toEqual([]);
    expect(closedSocket.stomp).toHaveLength(1);
    expect(stomp).toEqual([]);
  });
});
