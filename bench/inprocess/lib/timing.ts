// How the in-process suite times things: CPU time (process.cpuUsage: user + system of the whole
// process) and wall time (performance.now) of a batch of sequential calls, and interleaved rounds
// of two batches (A B, B A, A B ...) whose per-round ratios are summarised by their median, so
// that a noisy neighbour slows both sides of a round alike.
import { performance } from 'node:perf_hooks';
import { median } from '../../lib/measurement';

/** What one call cost on average in a batch, in microseconds. */
export interface Cost {
  cpuUs: number;
  wallUs: number;
}

/**
 * Runs `op(0) ... op(n - 1)` one after the other, awaiting each that answers a Promise (one
 * that answers at once is not awaited: an await costs more than the check of a memory store),
 * and answers the cost per call.
 * A young-generation collection runs first (untimed), so a batch pays for its own garbage, not
 * for the set-up's. Not a full one: the concurrent sweeping that follows a full collection ran
 * into the timed calls and added a third to the CPU of a check.
 */
export async function timeBatch(n: number, op: (i: number) => unknown): Promise<Cost> {
  collect('minor');
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) {
    const result = op(i);
    if (result instanceof Promise) await result;
  }
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, wallUs: (wall * 1000) / n };
}

/** A batch that prepares its own inputs (untimed) and then times them: round `r` of a comparison. */
export type Batch = (round: number) => Promise<Cost>;

/** Per-round costs of two batches run in alternating order, and the per-round ratios A / B. */
export interface Interleaved {
  a: Cost[];
  b: Cost[];
  /** CPU ratio of each round. */
  ratios: number[];
}

/** Runs `rounds` rounds of A and B, alternating which goes first. */
export async function interleave(rounds: number, a: Batch, b: Batch): Promise<Interleaved> {
  const result: Interleaved = { a: [], b: [], ratios: [] };
  for (let r = 0; r < rounds; r++) {
    let costA: Cost;
    let costB: Cost;
    if (r % 2 === 0) {
      costA = await a(r);
      costB = await b(r);
    } else {
      costB = await b(r);
      costA = await a(r);
    }
    result.a.push(costA);
    result.b.push(costB);
    result.ratios.push(costA.cpuUs / costB.cpuUs);
  }
  return result;
}

/** Median CPU and wall cost over rounds. */
export function medianCost(costs: Cost[]): Cost {
  return { cpuUs: median(costs.map((c) => c.cpuUs)), wallUs: median(costs.map((c) => c.wallUs)) };
}

/** The spread of per-round values, for a note: "min-max over N rounds". */
export function spread(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const digits = sorted[sorted.length - 1]! < 10 ? 2 : 1;
  return `${sorted[0]!.toFixed(digits)}-${sorted[sorted.length - 1]!.toFixed(digits)} over ${values.length} rounds`;
}

/** Forces a collection, full by default; the worker runs with --expose-gc. */
export function collect(type: 'major' | 'minor' = 'major'): void {
  const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;
  if (!gc) throw new Error('run the in-process worker with node --expose-gc');
  gc({ type });
}
