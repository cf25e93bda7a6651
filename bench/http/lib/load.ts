import autocannon from 'autocannon';
import { cpuTimeMs } from './cpuTime';
import type { RunningServer } from './servers';

/** One autocannon run against one server. */
export interface Sample {
  /** Completed requests per second over the run. */
  rps: number;
  /** 99th percentile latency, ms. */
  p99: number;
  requests: number;
  /** The server's CPU time per request, µs (null where it cannot be read). */
  cpuPerRequest: number | null;
}

/** How hard and how long to load: for `duration` seconds, or for `amount` requests. */
export type LoadOptions = { connections: number } & (
  | {
      /** Seconds; fractions work (autocannon samples every 250 ms here, so a run ends within 250 ms of it). */
      duration: number;
    }
  | { amount: number }
);

// autocannon ends a run at the first sample tick after `duration`: with its default tick of 1 s,
// a 1.5 s run would last 2 s.
const SAMPLE_INTERVAL_MS = 250;

/**
 * Loads a server with autocannon (keep-alive connections, no pipelining) sending the server's
 * headers on every request. Throws on any non-2xx answer, error or timeout: such a run is invalid.
 */
export async function load(server: RunningServer, options: LoadOptions): Promise<Sample> {
  const cpuBefore = cpuTimeMs(server.pid);
  const result = await autocannon({
    url: server.url,
    connections: options.connections,
    ...('amount' in options ? { amount: options.amount } : { duration: options.duration }),
    headers: server.headers,
    sampleInt: SAMPLE_INTERVAL_MS,
  });
  const name = `${server.framework} ${server.variant}`;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0 || result.requests.total === 0) {
    const codes = JSON.stringify(result.statusCodeStats ?? {});
    throw new Error(
      `${name}: ${result.non2xx} non-2xx answers (${codes}), ${result.errors} errors, ${result.timeouts} timeouts in ${result.requests.total} requests: the run is invalid${server.stderr() ? `; the server said:\n${server.stderr()}` : ''}`,
    );
  }
  const cpuAfter = cpuTimeMs(server.pid);
  const cpuPerRequest = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
  return { rps: result.requests.total / result.duration, p99: result.latency.p99, requests: result.requests.total, cpuPerRequest };
}
