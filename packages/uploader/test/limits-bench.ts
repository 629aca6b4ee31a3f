/**
 * How the two limits trade off (DESIGN §8: "defaults chosen by the benchmark"). Run:
 *   npx tsx packages/uploader/test/limits-bench.ts
 * 100 files of 2 MiB through the real server, with a round trip added to every API call and
 * every storage answer, and storage bandwidth capped per connection — the shape of a browser
 * talking to a distant bucket. Prints seconds per configuration.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { UploadApi } from "../src/index.js";
import { startHarness } from "./support/harness.js";

const MiB = 1024 * 1024;
const RTT_MS = Number(process.env.RTT_MS ?? 40);
const PER_CONNECTION = Number(process.env.BPS ?? 8 * MiB);
const CONFIGS = [
  { maxRequests: 6, maxActiveFiles: 1 },
  { maxRequests: 6, maxActiveFiles: 6 },
  { maxRequests: 6, maxActiveFiles: 10 },
  { maxRequests: 6, maxActiveFiles: 20 },
  { maxRequests: 12, maxActiveFiles: 20 },
];

const h = await startHarness();
try {
  h.proxy.latencyMs = RTT_MS;
  h.proxy.bytesPerSecond = PER_CONNECTION;
  const slowApi = Object.fromEntries(
    Object.entries(h.api).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        await sleep(RTT_MS);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as UploadApi;
  const files = await Promise.all(Array.from({ length: 100 }, (_, i) => h.randomFile(`b${i}.jpg`, 2 * MiB)));
  for (const limits of CONFIGS) {
    const times: number[] = [];
    for (let run = 0; run < 2; run++) {
      const uploader = h.uploader({ api: slowApi, limits });
      const started = performance.now();
      uploader.add(files.map((f) => f.source));
      await uploader.whenIdle();
      times.push((performance.now() - started) / 1000);
      uploader.destroy();
    }
    console.log(JSON.stringify(limits), times.map((t) => `${t.toFixed(2)} s`).join(", "));
  }
} finally {
  await h.close();
}
