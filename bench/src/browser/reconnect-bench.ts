/**
 * `npm run bench -- reconnect [--trials N] [--outage SECONDS]`
 *
 * How soon the page's live connection is back after an outage (issue 10 item 5: "within 2 s").
 * The app runs in headless Chromium against the real server through a TCP proxy the bench can cut.
 * Each trial: the page is live (CONNECTED and its subscription confirmed), the proxy drops every
 * connection and then silently swallows new ones (packets lost, as on a failing hotel Wi-Fi: a
 * connect attempt hangs instead of failing), the outage lasts, then the network comes back. Two
 * kinds of outage, alternated in one run:
 * - "network": the browser also goes offline and, at the end, online again (CDP network emulation
 *   fires the page's `offline`/`online` events, as a real network change does);
 * - "silent": only the proxy is cut, so the page gets no event and relies on its own backoff and
 *   connect timeout: the baseline the `online` wake is measured against.
 * Figure: time from the network coming back to the first STOMP CONNECTED, and to the RECEIPT of the
 * page's first subscription on the new connection, seen in the page's WebSocket frames (CDP Network).
 * Results: bench/results/reconnect.{json,md}.
 */
import { parseArgs } from "node:util";
import { startCuttableProxy, startTestServer } from "@rapidphoto/server/testing";
import { CHROMIUM, CHROMIUM_FLAGS } from "@rapidphoto/server/testing/chromium";
import { chromium } from "playwright-core";
import { type Metric, median, round, saveResult } from "../measure.js";

const TARGET_MS = 2_000;
/** A trial whose connection is not back by then is recorded as not back. */
const BACK_TIMEOUT_MS = 30_000;

type Kind = "network" | "silent";
type Trial = { kind: Kind; connectedMs: number | null; resubscribedMs: number | null };
type Frame = { at: number; data: string };

export async function reconnectBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { trials: { type: "string" }, outage: { type: "string" } },
  });
  const trials = Number(values.trials ?? 3);
  const outageMs = Number(values.outage ?? 15) * 1000;

  const script = new URL("../../../scripts/build-web.mjs", import.meta.url).pathname;
  await ((await import(script)) as { ensureWebBuild: () => Promise<unknown> }).ensureWebBuild();

  const server = await startTestServer({ env: { LOG_LEVEL: "warn" } });
  const proxy = await startCuttableProxy({ host: "127.0.0.1", port: Number(new URL(server.url).port) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const results: Trial[] = [];
  try {
    const user = await server.register();
    const baseURL = `http://127.0.0.1:${proxy.port}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL });
    const session = JSON.stringify({ ...user, expiresAt: Date.now() + 3_600_000 });
    await context.addInitScript({ content: `localStorage.setItem("rapidphoto.session", ${JSON.stringify(session)});` });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    // Every STOMP frame the page receives, with the bench's clock (SockJS wraps them in JSON arrays).
    const frames: Frame[] = [];
    cdp.on("Network.webSocketFrameReceived", (event) => {
      frames.push({ at: Date.now(), data: event.response.payloadData });
    });
    const offline = (on: boolean) =>
      cdp.send("Network.emulateNetworkConditions", {
        offline: on,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });

    await page.goto("/");
    await waitForFrame(frames, 0, "RECEIPT", BACK_TIMEOUT_MS);
    for (let i = 0; i < trials * 2; i++) {
      const kind: Kind = i % 2 === 0 ? "network" : "silent";
      proxy.cut({ hang: true });
      if (kind === "network") await offline(true);
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      proxy.restore();
      if (kind === "network") await offline(false);
      const backAt = Date.now();
      const connected = await waitForFrame(frames, backAt, "CONNECTED", BACK_TIMEOUT_MS);
      const receipt = connected === null ? null : await waitForFrame(frames, connected, "RECEIPT", BACK_TIMEOUT_MS);
      const trial = {
        kind,
        connectedMs: connected === null ? null : connected - backAt,
        resubscribedMs: receipt === null ? null : receipt - backAt,
      };
      results.push(trial);
      console.log(`trial ${i + 1}: ${JSON.stringify(trial)}`);
      if (receipt === null) await waitForFrame(frames, Date.now(), "RECEIPT", BACK_TIMEOUT_MS);
    }
    await context.close();
  } finally {
    await browser.close();
    await proxy.close();
    await server.close();
  }
  await saveResult(report(results, trials, outageMs));
}

/** The time of the first frame at or after `since` that holds `command`, or null after `timeoutMs`. */
async function waitForFrame(frames: Frame[], since: number, command: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frame = frames.find((f) => f.at >= since && f.data.includes(command));
    if (frame) return frame.at;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

function report(results: Trial[], trials: number, outageMs: number) {
  const metrics: Record<string, Metric> = {};
  const back = (kind: Kind, figure: "connectedMs" | "resubscribedMs") =>
    results.filter((t) => t.kind === kind).map((t) => t[figure] ?? Number.POSITIVE_INFINITY);
  for (const kind of ["network", "silent"] as const) {
    const resubscribed = back(kind, "resubscribedMs");
    metrics[`${kind}: back → CONNECTED (median)`] = { value: round(median(back(kind, "connectedMs")), 0), unit: "ms" };
    metrics[`${kind}: back → resubscribed (median)`] = { value: round(median(resubscribed), 0), unit: "ms" };
    metrics[`${kind}: back → resubscribed (worst)`] = { value: round(Math.max(...resubscribed), 0), unit: "ms" };
    metrics[`${kind}: trials not back within ${BACK_TIMEOUT_MS / 1000} s`] = {
      value: resubscribed.filter((v) => !Number.isFinite(v)).length,
      unit: "count",
    };
  }
  const network = median(back("network", "resubscribedMs"));
  metrics["network: median / target (2 s)"] = {
    value: round(network / TARGET_MS, 3),
    unit: "×",
    note: "≤ 1 meets issue 10's goal",
  };
  metrics["network / silent (median resubscribed)"] = {
    value: round(network / median(back("silent", "resubscribedMs")), 3),
    unit: "×",
    note: "what the online wake saves against the backoff alone",
  };
  return {
    name: "reconnect",
    metrics,
    notes: [
      `${trials} trials of each kind, alternated, in one page; each outage ${outageMs / 1000} s.`,
      "Outage: a TCP proxy between the page and the server drops every connection, then accepts new ones and never answers (lost packets), so connect attempts hang; at the end it forwards again.",
      '"network": the browser is also taken offline by CDP network emulation and brought back, so the page sees offline/online events. "silent": no event; the page finds out through its own backoff and connect timeout.',
      "Times run from the moment the network is back to the first STOMP CONNECTED and to the RECEIPT of the first SUBSCRIBE on the new connection, as the page's WebSocket frames show them (CDP Network events, bench clock).",
    ],
  };
}
