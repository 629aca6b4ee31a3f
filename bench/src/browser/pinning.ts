import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { CHROMIUM } from "@rapidphoto/server/testing/chromium";

/** The server's core and the browser's: on a 2-core machine they would otherwise compete. */
export const SERVER_CPU = "0";
export const BROWSER_CPU = "1";

/** Pinned processes for one bench run: a Chromium launcher on the browser's core, and its cleanup. */
export type Pinning = { chromium(): Promise<string>; cleanup(): Promise<void> };

/**
 * Pins this process (Playwright's driver, CDP) to the server's core and returns how to start
 * Chromium on the other one; null where taskset or a second core is missing.
 */
export async function pinHere(): Promise<Pinning | null> {
  if (!(await canPin())) return null;
  await run("taskset", ["-a", "-p", "-c", SERVER_CPU, String(process.pid)]);
  const dir = await mkdtemp(path.join(tmpdir(), "rapidphoto-browser-bench-chromium-"));
  return {
    // A launcher that starts Chromium (and so every process it forks) on the browser's core.
    async chromium() {
      const file = path.join(dir, "chromium-pinned.sh");
      await writeFile(file, `#!/bin/sh\nexec taskset -c ${BROWSER_CPU} ${CHROMIUM} "$@"\n`);
      await chmod(file, 0o755);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function canPin(): Promise<boolean> {
  if (availableParallelism() < 2) return false;
  return run("taskset", ["-p", String(process.pid)]).then(
    () => true,
    () => false,
  );
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(command, args, (error) => (error ? reject(error) : resolve())));
}
