import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU time a process has used so far, in ms; null where there is no /proc (not Linux). From the
 * scheduler's own count, in nanoseconds (`/proc/<pid>/task/<tid>/schedstat`, summed over the
 * process's threads: the main one, libuv's pool, V8's compiler and GC helpers), else from
 * `/proc/<pid>/stat` (user + system, in clock ticks: 10 ms at the usual 100 Hz, which over a
 * round of a few thousand requests is a few µs per request, as much as the targets). A thread
 * that ends between two readings takes its time with it; Node's threads live as long as the
 * process. On a machine whose cores the server shares with the load generator and with other
 * work, CPU time per request moves far less with the neighbours than requests per second do.
 */
export function cpuTimeMs(pid: number): number | null {
  return schedulerTimeMs(pid) ?? statTimeMs(pid);
}

function schedulerTimeMs(pid: number): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let nanoseconds = 0;
  for (const task of tasks) {
    try {
      // "<time on the CPU, ns> <time waiting to run, ns> <timeslices>"
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ', 1)[0]);
    } catch {
      // the thread ended since the listing, or the kernel keeps no schedstat (CONFIG_SCHED_INFO off)
      if (task === String(pid)) return null;
    }
  }
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : null;
}

function statTimeMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces), from field 3: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : null;
}
