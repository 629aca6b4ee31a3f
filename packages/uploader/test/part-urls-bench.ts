/**
 * `npm run bench -- part-urls [--rounds N] [--rtt MS]`: what a multipart item's own part URLs
 * (`multipart.signedParts`, PARTS_SIGNED_WITH_ITEM) save over asking `…/parts` for every part, the
 * way a browser on a distant network sees it. 24 files of 12 MiB (2 parts each) through the real
 * server, a round trip added to every API call and every storage answer (`--rtt`, default 80 ms:
 * hotel Wi-Fi to a distant region) and storage bandwidth capped at 4 MiB/s per connection. Two
 * sides, interleaved, the same engine and files: `item` takes the item's URLs as they come, `ask`
 * gets items with them stripped (the engine then signs every part itself, as before). Reports
 * each side's time to all stored, selection → first part PUT and the sign requests made, and the
 * ratio item/ask from the same round.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type BenchResult, median, round } from "../../../bench/src/measure.js";
import type { UploadApi } from "../src/index.js";
import { startHarness } from "./support/harness.js";

const MiB = 1024 * 1024;
const FILES = 24;
const FILE_BYTES = 12 * MiB;
const SIDES = ["item", "ask"] as const;
type Side = (typeof SIDES)[number];
type Sample = { storedMs: number; firstPutMs: number; signRequests: number };

export async function partUrlsBench(argv: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: "string", default: "3" }, rtt: { type: "string", default: "80" } },
  });
  const rounds = Number(values.rounds);
  const rttMs = Number(values.rtt);
  const h = await startHarness();
  try {
    h.proxy.latencyMs = rttMs;
    h.proxy.bytesPerSecond = 4 * MiB;
    const files = await Promise.all(Array.from({ length: FILES }, (_, i) => h.randomFile(`p${i}.jpg`, FILE_BYTES + i)));
    const run = async (side: Side): Promise<Sample> => {
      let signRequests = 0;
      const api = withLatency(
        {
          ...h.api,
          createJob: async (body, signal) => {
            const res = await h.api.createJob(body, signal);
            if (side === "item") return res;
            const items = res.items.map((item) =>
              item.multipart ? { ...item, multipart: { ...item.multipart, signedParts: undefined } } : item,
            );
            return { ...res, items };
          },
          signParts: (photoId, partNumbers, signal) => {
            signRequests++;
            return h.api.signParts(photoId, partNumbers, signal);
          },
        },
        rttMs,
      );
      const uploader = h.uploader({ api });
      const logFrom = h.proxy.log.length;
      const started = performance.now();
      let firstPutMs = Number.NaN;
      const watch = setInterval(() => {
        if (Number.isNaN(firstPutMs) && h.proxy.log.slice(logFrom).some((e) => e.method === "PUT")) {
          firstPutMs = performance.now() - started;
        }
      }, 1);
      uploader.add(files.map((f) => f.source));
      await uploader.whenIdle();
      const storedMs = performance.now() - started;
      clearInterval(watch);
      const rows = Object.values(uploader.store.getState().files);
      if (rows.some((f) => f.status !== "PROCESSING")) throw new Error(`${side}: not every file was stored`);
      uploader.destroy();
      return { storedMs, firstPutMs, signRequests };
    };
    await run("item"); // untimed: JIT, connections, the server's first queries
    const samples: Record<Side, Sample[]> = { item: [], ask: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < SIDES.length; k++) {
        const side = SIDES[(k + r) % SIDES.length] as Side;
        samples[side].push(await run(side));
        console.log(side, JSON.stringify(samples[side].at(-1)));
      }
    }
    const ratios = samples.item.map((s, i) => s.storedMs / (samples.ask[i] as Sample).storedMs);
    const metrics: BenchResult["metrics"] = {
      "all stored, item / ask": {
        value: round(median(ratios)),
        unit: "×",
        note: `per round: ${ratios.map((x) => round(x)).join(", ")}`,
      },
    };
    for (const side of SIDES) {
      const s = samples[side];
      metrics[`${side}: all stored (median)`] = { value: Math.round(median(s.map((x) => x.storedMs))), unit: "ms" };
      metrics[`${side}: selection → first PUT (median)`] = {
        value: Math.round(median(s.map((x) => x.firstPutMs))),
        unit: "ms",
      };
      metrics[`${side}: sign requests (median)`] = { value: median(s.map((x) => x.signRequests)), unit: "count" };
    }
    return {
      name: "part-urls",
      metrics,
      notes: [
        `${FILES} files of ${FILE_BYTES / MiB} MiB (2 parts each) through the real server and engine, ${rttMs} ms added to every API call and storage answer, 4 MiB/s per connection, ${rounds} interleaved rounds after one untimed.`,
        "item: multipart items carry their first part URLs (multipart.signedParts); ask: the same answers with them stripped, so the engine signs every part with …/parts as before.",
      ],
    };
  } finally {
    await h.close();
  }
}

function withLatency(api: UploadApi, ms: number): UploadApi {
  return Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        await sleep(ms);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as UploadApi;
}
