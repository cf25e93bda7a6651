import autocannon from 'autocannon';
import { cpuTimeMs } from '../../http/lib/cpuTime';

/** Whose CPU time a sample reads: the upstream, nginx (master and workers), the gateway, the floor process. */
export type Role = 'upstream' | 'nginx' | 'gateway' | 'floor';

/** What autocannon loads: a URL, the headers of every request, and the processes whose CPU time to read. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The processes of each role this target's requests pass through. */
  processes: Partial<Record<Role, number[]>>;
}

/** One autocannon run against one target. */
export interface Sample {
  /** Completed requests per second over the run. */
  rps: number;
  /** 99th percentile latency, ms. */
  p99: number;
  requests: number;
  /** CPU time (user + system) per request of each role's processes, µs; absent where /proc cannot be read. */
  cpu: Partial<Record<Role, number>>;
}

/** How hard and how long to load: for `duration` seconds, or for `amount` requests. */
export type LoadOptions = { connections: number } & ({ duration: number } | { amount: number });

// autocannon ends a run at the first sample tick after `duration`: with its default tick of 1 s,
// a 0.5 s run would last 1 s.
const SAMPLE_INTERVAL_MS = 250;

/**
 * Loads a target with autocannon (keep-alive connections, no pipelining), reading the CPU time of
 * its processes from /proc before and after. Throws on any non-2xx answer, error or timeout: such
 * a run is invalid.
 */
export async function load(target: Target, options: LoadOptions): Promise<Sample> {
  const before = cpuOf(target.processes);
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    ...('amount' in options ? { amount: options.amount } : { duration: options.duration }),
    headers: target.headers,
    sampleInt: SAMPLE_INTERVAL_MS,
  });
  const after = cpuOf(target.processes);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0 || result.requests.total === 0) {
    throw new Error(
      `${target.name}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats ?? {})}), ${result.errors} errors, ${result.timeouts} timeouts in ${result.requests.total} requests: the run is invalid`,
    );
  }
  const cpu: Partial<Record<Role, number>> = {};
  for (const role of Object.keys(before) as Role[]) {
    const start = before[role];
    const end = after[role];
    if (start !== undefined && end !== undefined) cpu[role] = ((end - start) * 1000) / result.requests.total;
  }
  return { rps: result.requests.total / result.duration, p99: result.latency.p99, requests: result.requests.total, cpu };
}

/** The CPU time (ms) of each role, summed over its processes; a role with a process /proc does not know is left out. */
function cpuOf(processes: Target['processes']): Partial<Record<Role, number>> {
  const times: Partial<Record<Role, number>> = {};
  for (const [role, pids] of Object.entries(processes) as [Role, number[]][]) {
    const each = pids.map(cpuTimeMs);
    if (each.every((ms) => ms !== null)) times[role] = (each as number[]).reduce((sum, ms) => sum + ms, 0);
  }
  return times;
}
