import { startTestServer } from "@rapidphoto/server/testing";
import { type BenchResult, median, round } from "./measure.js";
import { type FanOutBurst, measureFanOut } from "./realtime-fanout.js";
import {
  measureReconnects,
  RECONNECT_DELAY_MS,
  type ReconnectResult,
  type ReconnectSample,
} from "./realtime-reconnect.js";

/** The audience: one job watched from 1,000 sockets. */
const CONNECTIONS = 1_000;
/** 150 frames of ~450 B queue at most ~60 KB per socket, well under the broker's 1 MB slow-client cutoff. */
const MESSAGES_PER_BURST = 150;
const FANOUT_ROUNDS = 5;
const DROPS = 20;
/** The plan's ceiling for drop → resubscribed. */
const PLAN_TARGET_MS = 5_000;

/**
 * Realtime push: fan-out throughput of the real broker against a bare `ws` broadcast to the same
 * 1,000 subscribers, and how long a @stomp/stompjs client takes to be resubscribed after the
 * server drops its socket, over raw WebSocket and over SockJS.
 */
export async function realtimeBench(): Promise<BenchResult> {
  // --role=web: no processing worker polling the database in the background.
  const server = await startTestServer({ argv: ["--role=web"] });
  const { app, url: origin } = server;
  try {
    const call = async (url: string, payload: object, token?: string) => {
      const res = await app.inject({
        method: "POST",
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        payload,
      });
      if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    // A real user owning a real job, so CONNECT and SUBSCRIBE pass the app's own checks.
    const userWithJob = async (email: string) => {
      const { token, userId } = await call("/api/auth/register", { email, password: "benchmark password" });
      const { jobId } = await call(
        "/commands/upload-jobs",
        { files: [{ filename: "IMG_0001.jpg", mimeType: "image/jpeg", bytes: 1_000_000 }] },
        token,
      );
      return { token: token as string, userId: userId as string, jobId: jobId as string };
    };
    const audience = await userWithJob("fanout@example.com");
    // Its own user: disconnectUser drops every socket of a user, and must drop only the measured one.
    const reconnecting = await userWithJob("reconnect@example.com");

    console.log(`fan-out: ${CONNECTIONS} connections × ${MESSAGES_PER_BURST} messages, ${FANOUT_ROUNDS} rounds…`);
    const rounds = await measureFanOut({
      origin,
      bus: app.events,
      ...audience,
      connections: CONNECTIONS,
      messagesPerBurst: MESSAGES_PER_BURST,
      rounds: FANOUT_ROUNDS,
    });
    const deliveries = CONNECTIONS * MESSAGES_PER_BURST;
    const perSecond = (b: FanOutBurst) => deliveries / (b.ms / 1000);
    const serverCpu = (b: FanOutBurst) => b.serverCpuMicros / deliveries;
    const clientCpu = (b: FanOutBurst) => b.clientCpuMicros / deliveries;
    const brokerRate = median(rounds.map((r) => perSecond(r.broker)));

    console.log(`reconnect: ${DROPS} server-side drops per transport…`);
    const reconnects: [string, ReconnectResult][] = [];
    for (const transport of ["websocket", "sockjs", "sockjs-xhr-streaming"] as const) {
      const result = await measureReconnects({ app, origin, ...reconnecting, transport, drops: DROPS, warmupDrops: 2 });
      reconnects.push([result.sockjsTransport ? `SockJS/${result.sockjsTransport}` : "WebSocket", result]);
    }
    const resubscribedMedian = (r: ReconnectResult) => median(r.samples.map((s) => s.resubscribedMs));

    return {
      name: "realtime",
      metrics: {
        "fan-out: deliveries per second (broker, STOMP over /ws/websocket)": {
          value: Math.round(brokerRate),
          unit: "msg/s",
          note: `median of ${FANOUT_ROUNDS} bursts of ${MESSAGES_PER_BURST} status events to ${CONNECTIONS} subscribers`,
        },
        "fan-out: deliveries per second (bare ws broadcast, same payloads)": {
          value: Math.round(median(rounds.map((r) => perSecond(r.bare)))),
          unit: "msg/s",
          note: "no STOMP, no bus: JSON.stringify once, ws.send to every socket",
        },
        "fan-out: broker / bare throughput ratio": {
          value: round(median(rounds.map((r) => perSecond(r.broker) / perSecond(r.bare)))),
          unit: "×",
          note: "median of per-round ratios; 1.0 = the broker costs nothing over a bare broadcast",
        },
        "fan-out: events fully delivered per second (broker)": {
          value: round(brokerRate / CONNECTIONS, 1),
          unit: "events/s",
          note: `each event reaching all ${CONNECTIONS} subscribers`,
        },
        "fan-out: server CPU per delivery (broker)": {
          value: round(median(rounds.map((r) => serverCpu(r.broker)))),
          unit: "µs",
          note: "user + system time of the server process over the burst",
        },
        "fan-out: server CPU per delivery (bare)": {
          value: round(median(rounds.map((r) => serverCpu(r.bare)))),
          unit: "µs",
        },
        "fan-out: broker / bare server CPU ratio": {
          value: round(median(rounds.map((r) => serverCpu(r.broker) / serverCpu(r.bare)))),
          unit: "×",
          note: "median of per-round ratios; less sensitive to other load than the throughput ratio",
        },
        "fan-out: subscriber CPU per delivery (STOMP / bare)": {
          value: round(median(rounds.map((r) => clientCpu(r.broker) / clientCpu(r.bare)))),
          unit: "×",
          note: `${round(median(rounds.map((r) => clientCpu(r.broker))))} µs vs ${round(median(rounds.map((r) => clientCpu(r.bare))))} µs: parsing STOMP frames on the client side`,
        },
        ...Object.assign({}, ...reconnects.map(([label, r]) => reconnectMetrics(label, r.samples))),
        "reconnect: SockJS (its own choice) / WebSocket median ratio": {
          value: round(resubscribedMedian(reconnects[1]![1]) / resubscribedMedian(reconnects[0]![1])),
          unit: "×",
        },
      },
      notes: [
        "One run, one machine: the app (embedded PGlite, --role=web) and the bare ws server share the bench process; the 1,000 subscribers live in a forked child process (raw `ws` sockets, the server's own STOMP codec to parse), so the two sides get a core each on a 2-core box.",
        `Fan-out: each round publishes ${MESSAGES_PER_BURST} "status" JobEvents (never coalesced) on app.events, then broadcasts the same JSON from the bare server, alternating which side goes first; time runs from the first publish to the last message arriving at the last subscriber, and every subscriber checks it got every seq in order.`,
        `Reconnect: @stomp/stompjs Client, reconnectDelay ${RECONNECT_DELAY_MS} ms with exponential backoff (reset by every successful CONNECT, so each single drop waits ${RECONNECT_DELAY_MS} ms), resubscribing in onConnect with a receipt header; the server drops the socket with app.realtime.disconnectUser; "resubscribed" is the RECEIPT arriving. ${DROPS} drops per transport after 2 untimed; after each, a probe event must arrive on the new subscription.`,
        `"new socket → resubscribed" starts when stompjs opens the new socket, after the ${RECONNECT_DELAY_MS} ms delay: the transport's handshake (SockJS first fetches /ws/info), CONNECT (JWT + user lookup) and SUBSCRIBE (job ownership query).`,
      ],
    };
  } finally {
    await server.close();
  }
}

function reconnectMetrics(label: string, samples: ReconnectSample[]): BenchResult["metrics"] {
  const resubscribed = samples.map((s) => s.resubscribedMs);
  const med = median(resubscribed);
  return {
    [`reconnect ${label}: drop → resubscribed (median)`]: { value: round(med, 1), unit: "ms" },
    [`reconnect ${label}: drop → resubscribed (p95)`]: { value: round(percentile(resubscribed, 0.95), 1), unit: "ms" },
    [`reconnect ${label}: close seen (median)`]: {
      value: round(median(samples.map((s) => s.closeSeenMs)), 1),
      unit: "ms",
    },
    [`reconnect ${label}: new socket → resubscribed (median)`]: {
      value: round(median(samples.map((s) => s.resubscribedMs - s.reopenedMs)), 1),
      unit: "ms",
      note: "handshake + CONNECT + SUBSCRIBE; the rest is close seen + the reconnect delay",
    },
    [`reconnect ${label}: median / plan target (5 s)`]: {
      value: round(med / PLAN_TARGET_MS, 3),
      unit: "×",
      note: "< 1 meets the plan",
    },
  };
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}
