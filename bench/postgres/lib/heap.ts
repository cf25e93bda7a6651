// Watches the heap of this process while an operation runs: heapUsed sampled every few
// milliseconds (the peak, garbage included), and what the heap retains, by a full collection
// forced every half second and at the end. "Flat" is about the latter: the heap the operation
// keeps grows by at most FLAT_BOUND_BYTES, a bound set by the work in flight (a page of rows and
// a batch of swaps), not by how many factors there are; holding every factor of 100,000 would
// keep tens of MB. The time spent in the forced collections is given, for the caller to take out.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const SAMPLE_MS = 5;
const COLLECT_EVERY_MS = 500;
export const FLAT_BOUND_BYTES = 16 * 2 ** 20;

/** What the heap did while the operation ran. */
export interface HeapWatch {
  /** heapUsed after a full collection, before the operation. */
  before: number;
  /** The highest heapUsed sampled (garbage included) minus `before`. */
  peakGrowth: number;
  /** The most the heap retained (after a forced full collection, during or at the end) minus `before`. */
  retainedGrowth: number;
  /** Forced collections and the milliseconds they took (the caller takes them out of its wall time). */
  collections: number;
  collectMs: number;
  /** retainedGrowth within FLAT_BOUND_BYTES. */
  flat: boolean;
  summary: string;
}

let collect: (() => void) | undefined;

/** A full garbage collection (`--expose-gc`, switched on here if the process was started without it). */
function gc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Starts watching; `stop()` ends it and answers what the heap did. */
export function watchHeap(): { stop(): HeapWatch } {
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let retained = before;
  let collections = 0;
  let collectMs = 0;
  let lastCollect = performance.now();
  const collectNow = () => {
    const t0 = performance.now();
    gc();
    lastCollect = performance.now();
    collectMs += lastCollect - t0;
    collections += 1;
    retained = Math.max(retained, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    if (performance.now() - lastCollect >= COLLECT_EVERY_MS) collectNow();
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      const during = { collections, collectMs }; // the time to take out: the last collection comes after the caller's clock stopped
      collectNow();
      ({ collections, collectMs } = during);
      const peakGrowth = peak - before;
      const retainedGrowth = retained - before;
      const flat = retainedGrowth <= FLAT_BOUND_BYTES;
      const summary =
        `${mb(before)} before; peak heapUsed +${mb(peakGrowth)} (garbage included); retained at most +${mb(retainedGrowth)} ` +
        `(after ${collections} forced full collections during the run and one at the end; the ${collectMs.toFixed(0)} ms of those during it are taken out of its time): ` +
        `${flat ? 'flat' : 'NOT flat'} (bound ${mb(FLAT_BOUND_BYTES)})`;
      return { before, peakGrowth, retainedGrowth, collections, collectMs, flat, summary };
    },
  };
}
