import { STOMP_AUTH_ERRORS } from "@rapidphoto/protocol";
import type { IStompSocket } from "@stomp/stompjs";
import { describe, expect, it, vi } from "vitest";
import { createRealtimeClient, isAuthRejection, parsePush } from "./realtime-client";

describe("parsePush", () => {
  it("accepts the protocol's push messages", () => {
    const message = {
      type: "job",
      jobId: "job_aaaaaaaaaaaa",
      status: "IN_PROGRESS",
      totalCount: 2,
      queuedCount: 1,
      uploadingCount: 1,
      processingCount: 0,
      completedCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      seq: 3,
      timestamp: "2025-01-01T00:00:00.000Z",
    };
    expect(parsePush(JSON.stringify(message))).toEqual(message);
  });

  it("drops anything else: not JSON, an unknown family, a photo without its fields", () => {
    expect(parsePush("not json")).toBeNull();
    expect(parsePush(JSON.stringify({ type: "chat", text: "hi" }))).toBeNull();
    expect(parsePush(JSON.stringify({ type: "photo", jobId: "job_a", status: "DONE", seq: 1 }))).toBeNull();
  });
});

/** A socket whose server answers every CONNECT with ERROR `refusal`, then closes; records the tokens. */
function refusingServer(refusal: string) {
  const tokens: string[] = [];
  const createSocket = (): IStompSocket => {
    const socket: IStompSocket = {
      url: "fake://ws",
      readyState: 0,
      binaryType: "arraybuffer",
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
      send(data: string) {
        if (!data.startsWith("CONNECT")) return;
        tokens.push(/Authorization:Bearer (\S+)/.exec(data)?.[1] ?? "");
        socket.onmessage?.({ data: `ERROR\nmessage:${refusal}\n\n\0` } as never);
        socket.close();
      },
      close() {
        if (socket.readyState === 3) return;
        (socket as { readyState: number }).readyState = 3;
        setTimeout(() => socket.onclose?.({ code: 1000, reason: "", wasClean: true } as never));
      },
    } as IStompSocket;
    setTimeout(() => {
      (socket as { readyState: number }).readyState = 1;
      socket.onopen?.({} as never);
    });
    return socket;
  };
  return { tokens, createSocket };
}

describe("when the server refuses the token", () => {
  it("tells the host, and reconnects with whatever token the session holds now", async () => {
    const server = refusingServer(STOMP_AUTH_ERRORS.TOKEN_EXPIRED);
    let token = "old-token";
    let rejections = 0;
    const client = createRealtimeClient({
      url: "fake://ws",
      getToken: () => token,
      createSocket: server.createSocket,
      onAuthRejected: () => {
        rejections += 1;
        token = "new-token";
      },
    });
    try {
      await vi.waitFor(() => expect(server.tokens.slice(0, 2)).toEqual(["old-token", "new-token"]), {
        timeout: 10_000,
      });
      expect(rejections).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });

  it("knows a sign-in refusal from other errors", () => {
    for (const message of Object.values(STOMP_AUTH_ERRORS)) expect(isAuthRejection(message)).toBe(true);
    expect(isAuthRejection("Authentication is unavailable, try again later")).toBe(false);
    expect(isAuthRejection("Not allowed to subscribe to this destination")).toBe(false);
    expect(isAuthRejection(undefined)).toBe(false);
  });
});
