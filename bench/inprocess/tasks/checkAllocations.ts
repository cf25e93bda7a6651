// check.memory.bytes_allocated: heap bytes one decision (`guard` of @mfakit/core/http, what requireMfa calls) on a live session allocates (MemoryStore
// state), from the growth of the used heap over a batch of checks in which no collection ran. The
// worker runs with a large young generation so that a batch fits; a batch that saw a collection
// (a `gc` performance entry) is thrown away and run again smaller. No target: the issue asks for
// the number.
import { systemClock } from '@mfakit/core';
import { guard } from '@mfakit/core/http';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { median, round } from '../../lib/measurement';
import { benchMfa, enrollTotp } from '../lib/fixtures';
import type { Task } from '../lib/task';
import { collect, timeBatch } from '../lib/timing';

const NO_REQUIREMENT = {};
const asIs = <T>(decision: T) => decision; // made once: the check itself is what is measured

const SEMI_SPACE_MB = 64;

let collections = 0;

/** Heap bytes per call of `op` over `n` calls, or null when a collection ran meanwhile. */
async function allocatedPerCall(n: number, op: () => unknown): Promise<number | null> {
  collect();
  await settle(); // gc entries reach the observer late: let it report the forced ones first
  const seen = collections;
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < n; i++) {
    const result = op();
    if (result instanceof Promise) await result;
  }
  const after = getHeapStatistics().used_heap_size;
  await settle();
  return collections === seen ? (after - before) / n : null;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

export const checkAllocations: Task = {
  flags: [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--min-semi-space-size=${SEMI_SPACE_MB}`],
  async run({ quick }) {
    const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
    observer.observe({ entryTypes: ['gc'] });
    const bench = benchMfa(systemClock);
    const { user, sessionToken } = await enrollTotp(bench, 'alice');
    const check = () => {
      const decision = guard(bench.mfa, { user, sessionToken }, NO_REQUIREMENT, asIs);
      if (decision instanceof Promise || !decision.allow) throw new Error('check did not allow a live session at once');
    };
    const empty = () => undefined;
    await timeBatch(quick ? 30_000 : 100_000, check); // warm-up: optimised code, no first-call allocations
    await timeBatch(10_000, empty);

    const samples: number[] = [];
    const emptySamples: number[] = [];
    let n = 20_000;
    for (let tries = 0; samples.length < (quick ? 5 : 11) && tries < 40; tries++) {
      const bytes = await allocatedPerCall(n, check);
      const emptyBytes = await allocatedPerCall(n, empty);
      if (bytes === null || emptyBytes === null) n = Math.max(1000, n >> 1);
      else {
        samples.push(bytes);
        emptySamples.push(emptyBytes);
      }
    }
    observer.disconnect();
    if (samples.length === 0) throw new Error('every allocation batch saw a collection');
    return [
      {
        name: 'check.memory.bytes_allocated',
        value: round(median(samples), 0),
        unit: 'bytes/check',
        note: `heap growth over batches of ${n} checks with no collection (young generation ${SEMI_SPACE_MB} MiB), median of ${samples.length}; an empty call measures ${round(median(emptySamples), 0)} bytes`,
      },
    ];
  },
};
