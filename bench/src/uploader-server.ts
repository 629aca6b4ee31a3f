import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { startServerProcess } from "@rapidphoto/server/testing";

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux, what /proc/<pid>/stat counts in

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
  const server = await startServerProcess({
    argv: [`--role=${options.role ?? "web"}`],
    env: { LOG_LEVEL: "warn", ...options.env },
    output: "inherit",
  });
  try {
    const { token, userId } = await server.register("uploader-bench@example.com", "benchmark password");
    const pid = server.child.pid;
    return {
      url: server.url,
      token,
      userId,
      cpuMs: () => processCpuMs(pid),
      rssMiB: () => processMemoryMiB(pid, "VmRSS"),
      peakRssMiB: () => processMemoryMiB(pid, "VmHWM"),
      dropObjects: async () => {
        for (const dir of ["objects", "meta"]) {
          await rm(path.join(server.dataDir, dir, "u", userId), { recursive: true, force: true });
        }
      },
      close: server.stop,
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
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
