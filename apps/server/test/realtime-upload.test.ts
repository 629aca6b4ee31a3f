import { jobTopic, type PushMessage, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import type { Client, IMessage } from "@stomp/stompjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestJpeg } from "../testing/generate-test-jpeg.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { connect, events, eventually, stompClient, subscribed, type Transport } from "./support/realtime-test-kit.js";
import { startTwoInstances, type TwoInstances } from "./support/two-instances.js";
import { uploadAndFinalize } from "./upload-client.js";

/** The push messages of the frames received, in order (a batch body is its events). */
const parse = (messages: IMessage[]) => events(messages) as PushMessage[];

/** Photo statuses in the order received, per photo; checks seq only ever grows per job and message ids are unique. */
function timeline(messages: IMessage[]) {
  const perPhoto = new Map<string, string[]>();
  let lastSeq = 0;
  for (const m of messages) expect(m.headers["content-type"]).toBe("application/json");
  for (const body of parse(messages)) {
    expect(body.seq).toBeGreaterThanOrEqual(lastSeq);
    lastSeq = body.seq;
    if (body.type === "photo") {
      const seen = perPhoto.get(body.photoId) ?? [];
      if (seen.at(-1) !== body.status) seen.push(body.status);
      perPhoto.set(body.photoId, seen);
    }
  }
  // Every message of a subscription has its own id (STOMP 1.2 MESSAGE frames).
  const ids = messages.map((m) => m.headers["message-id"]);
  expect(ids.every((id) => typeof id === "string" && id !== "")).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  return perPhoto;
}

async function uploadThree(server: TestServer, token: string, jobId: string, items: any[], sources: Buffer[]) {
  for (const [i, item] of items.entries()) {
    await server.api("POST", "/commands/upload/progress", {
      token,
      body: { jobId, updates: [{ photoId: item.photoId, bytesSent: 1, bytesTotal: sources[i]?.length }] },
    });
    await uploadAndFinalize(server, token, item, sources[i] as Buffer);
  }
}

describe.each<Transport>(["sockjs-websocket", "websocket", "sockjs-xhr-streaming"])(
  "live job events over %s",
  (transport) => {
    let server: TestServer;
    const clients: Client[] = [];
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => {
      for (const c of clients) await c.deactivate();
      await server.close();
    });

    it("delivers UPLOADING → PROCESSING → COMPLETED for each photo and the job's final status, in order", async () => {
      const { token } = await server.register();
      const sources = await Promise.all([1, 2, 3].map(() => makeTestJpeg({ width: 320, height: 240 })));
      const files = sources.map((b, i) => ({ filename: `p${i}.jpg`, mimeType: "image/jpeg", bytes: b.length }));
      const { body } = await server.api("POST", "/commands/upload-jobs", { token, body: { files } });

      const client = stompClient(server.url, transport);
      clients.push(client);
      await connect(client, token);
      const messages = await subscribed(client, jobTopic(body.jobId));
      const lifecycle = await subscribed(client, USER_JOBS_QUEUE);

      await uploadThree(server, token, body.jobId, body.items, sources);

      const finalJob = await eventually(() => {
        const last = parse(messages).findLast((m) => m.type === "job");
        expect(last).toMatchObject({ status: "COMPLETED", completedCount: 3 });
        return last;
      });
      const perPhoto = timeline(messages);
      for (const item of body.items) {
        expect(perPhoto.get(item.photoId)).toEqual(["UPLOADING", "PROCESSING", "COMPLETED"]);
      }
      const view = await server.api("GET", `/queries/upload-jobs/${body.jobId}`, { token });
      expect(finalJob?.seq).toBe(view.body.seq);
      // The user's queue carries lifecycle (job) messages only.
      await eventually(() =>
        expect(parse(lifecycle).findLast(() => true)).toMatchObject({ type: "job", status: "COMPLETED" }),
      );
      expect(parse(lifecycle).every((m) => m.type === "job")).toBe(true);
    });

    it("refuses another user's job topic and a bad token", async () => {
      const alice = await server.register();
      const bob = await server.register();
      const { body } = await server.api("POST", "/commands/upload-jobs", {
        token: alice.token,
        body: { files: [{ filename: "a.jpg", mimeType: "image/jpeg", bytes: 10 }] },
      });
      const client = stompClient(server.url, transport);
      clients.push(client);
      await connect(client, bob.token);
      const error = new Promise<string>((resolve) => {
        client.onStompError = (frame) => resolve(frame.headers.message ?? "");
      });
      client.subscribe(jobTopic(body.jobId), () => {});
      expect(await error).toMatch(/not allowed|forbidden|not authori[sz]ed|denied/i);

      const intruder = stompClient(server.url, transport);
      clients.push(intruder);
      await expect(connect(intruder, `${alice.token}x`)).rejects.toThrow();
    });
  },
);

describe("two instances sharing PostgreSQL and Redis", () => {
  let pair: TwoInstances | undefined;
  const clients: Client[] = [];

  beforeAll(async () => {
    // A never processes: B does.
    pair = await startTwoInstances({
      jwtSecret: "shared-secret-for-two-instances-0123456789",
      argv: { a: ["--role=web"] },
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.deactivate();
    await pair?.close();
  });

  it("a client on instance A sees an upload finalized and processed on instance B", async ({ skip }) => {
    if (!pair) skip();
    const { a: sa, b: sb } = pair as TwoInstances;
    expect(sa.app.events.kind).toBe("redis");
    const { token } = await sa.register();
    const sources = await Promise.all([1, 2, 3].map(() => makeTestJpeg({ width: 320, height: 240 })));
    const files = sources.map((x, i) => ({ filename: `p${i}.jpg`, mimeType: "image/jpeg", bytes: x.length }));
    // The job is created on B and uploaded through B: A only holds the subscription.
    const { body } = await sb.api("POST", "/commands/upload-jobs", { token, body: { files } });
    const client = stompClient(sa.url, "websocket");
    clients.push(client);
    await connect(client, token);
    const messages = await subscribed(client, jobTopic(body.jobId));

    // Disk storage is per instance here, so bytes go to B's signed URLs (in production both share S3).
    await uploadThree(sb, token, body.jobId, body.items, sources);

    await eventually(() =>
      expect(parse(messages).findLast((m) => m.type === "job")).toMatchObject({
        status: "COMPLETED",
        completedCount: 3,
      }),
    );
    const perPhoto = timeline(messages);
    for (const item of body.items) expect(perPhoto.get(item.photoId)).toEqual(["UPLOADING", "PROCESSING", "COMPLETED"]);
    expect(sa.app.processing).toBeNull();
  });
});
