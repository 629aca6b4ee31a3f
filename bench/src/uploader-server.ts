import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../apps/server/testing/free-ports.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux, what /proc/<pid>/stat counts in
const START_TIMEOUT_MS = 60_000;

/**
 * The real server (embedded defaults: PGlite, disk storage, unless `env` says otherwise) as a
 * child process, so the bench process's CPU time and memory are the client's alone. `--role=web`
 * by default: no processing worker decoding the uploaded random bytes on the machine's other core.
 */
export type ChildServer = {
  url: string;
  token: string;
  userId: string;
  /** The server process's user + system CPU so far, in ms (10 ms resolution), or null off Linux. */
  cpuMs(): Promise<number | null>;
  /** The server process's resident set now, and its peak so far (VmRSS, VmHWM), or null off Linux. */
  rssMiB(): Promise<number | null>;
  peakRssMiB(): Promise<number | null>;
  /** Deletes the stored originals, so 8 GB of test bytes never pile up on disk between runs. */
  dropObjects(): Promise<void>;
  close(): Promise<void>;
};

export async function startChildServer(
  options: { role?: "web" | "all"; env?: Record<string, string> } = {},
): Promise<ChildServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "rapidphoto-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "apps/server/src/main.ts", `--role=${options.role ?? "web"}`],
    {
      cwd: REPO,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        PUBLIC_URL: url,
        LOG_LEVEL: "warn",
        AUTH_RATE_LIMIT: "1000",
        ...options.env,
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const close = async () => {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(url, child);
    const res = await fetch(`${url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "uploader-bench@example.com", password: "benchmark password" }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    const { token, userId } = (await res.json()) as { token: string; userId: string };
    return {
      url,
      token,
      userId,
      cpuMs: () => processCpuMs(child.pid),
      rssMiB: () => processMemoryMiB(child.pid, "VmRSS"),
      peakRssMiB: () => processMemoryMiB(child.pid, "VmHWM"),
      dropObjects: async () => {
        for (const dir of ["objects", "meta"]) {
          await rm(path.join(dataDir, dir, "u", userId), { recursive: true, force: true });
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`server not healthy after ${START_TIMEOUT_MS} ms`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the name in field 2 may hold spaces). */
async function processCpuMs(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** A memory line of /proc/<pid>/status (in kB there), in MiB. */
async function processMemoryMiB(pid: number | undefined, field: "VmRSS" | "VmHWM"): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kB = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    return kB === undefined ? null : Number(kB) / 1024;
  } catch {
    return null;
  }
}

/** Not apps/server/test/helper.ts's: importing it would load the whole server into the client process. */
