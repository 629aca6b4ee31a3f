import { readFileSync } from "node:fs";

/**
 * CPU time of the bench server's threads, from /proc (Linux only; empty elsewhere). The server
 * runs on one pinned core and does two things at once during an upload: it receives (HTTP, the
 * embedded database, pushes: all on the event loop's thread) and it processes photos (sharp and
 * the file system on libuv's and libvips' threads). What a contender costs the server per photo
 * stored is the main thread's time; the rest is mostly processing, which runs whenever it can.
 * CPU time does not depend on how busy the machine is, unlike the window's wall time.
 */
export type ThreadCpu = { mainMs: number; otherMs: number };

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

export function threadCpu(): ThreadCpu {
  const { user, system } = process.cpuUsage(); // every thread's, those that ended included
  const allMs = (user + system) / 1000;
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  } catch {
    return { mainMs: 0, otherMs: allMs };
  }
  // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th
  // field of the line, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const mainMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  return { mainMs, otherMs: allMs - mainMs };
}

export function cpuSince(from: ThreadCpu, to: ThreadCpu = threadCpu()): ThreadCpu {
  return { mainMs: to.mainMs - from.mainMs, otherMs: to.otherMs - from.otherMs };
}
